/**
 * A real OpenSearch for the tests: the project's integration-test distribution of 2.19
 * (tools/ensure-test-servers.sh), one node on free loopback ports with a small heap. It
 * refuses to run as root, so as root (CI) it runs as `nobody`, who owns its data directory.
 * It can be killed (SIGKILL) and started again on the same ports with its data. With `security`,
 * it is the distribution with the security plugin (tools/servers/opensearch-security.ts): every
 * request then needs a user, and `master` is the one the node starts with.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { classArchive } from "./opensearch-class-archive";
import { MasterUser, secureConfig } from "./opensearch-security";
import { freePort } from "./ports";
import { scratchDir } from "./scratch";
import { testServer } from "./test-servers";

export interface OpenSearchServer {
    url: string;
    port: number;
    /** With `security`: the user with all access and the security API. */
    master?: MasterUser;
    /** SIGKILL, as a failed node. */
    kill(): Promise<void>;
    /** Starts it again on the same ports, with the data it had. */
    restart(): Promise<void>;
    stop(): Promise<void>;
    log(): string;
}

const isRoot = process.getuid?.() === 0;

export async function startOpenSearch(options: { security?: boolean } = {}): Promise<OpenSearchServer> {
    const home = testServer(options.security ? "OPENSEARCH_SECURITY_HOME" : "OPENSEARCH_HOME");
    const dir = fs.mkdtempSync(path.join(scratchDir, "shop-opensearch-"));
    fs.cpSync(path.join(home, "config"), path.join(dir, "config"), { recursive: true });
    for (const sub of ["data", "logs", "tmp"]) fs.mkdirSync(path.join(dir, sub));
    // The distribution's jvm.options writes GC logs and heap dumps relative to the working directory, and asks 1 GiB.
    // A test node lives a minute: the serial collector and the quick compiler only (C1) start it on half the CPU time
    // of G1 and both compilers, on a machine whose two cores run other suites beside it. Nor does it touch every page
    // of its heap as it starts (the distribution's AlwaysPreTouch), which only a long-lived server gains from.
    fs.writeFileSync(
        path.join(dir, "config", "jvm.options"),
        [
            "-Xms512m",
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:-AlwaysPreTouch",
            "-Djava.io.tmpdir=${OPENSEARCH_TMPDIR}",
            `-XX:ErrorFile=${dir}/logs/hs_err_pid%p.log`,
            "-Djava.util.concurrent.ForkJoinPool.common.threadFactory=org.opensearch.secure_sm.SecuredForkJoinWorkerThreadFactory",
            "",
        ].join("\n"),
    );
    const master = options.security ? secureConfig(path.join(dir, "config")) : undefined;
    const authorization = master ? { authorization: `Basic ${Buffer.from(`${master.user}:${master.password}`).toString("base64")}` } : undefined;
    if (isRoot) execFileSync("chown", ["-R", "nobody:nogroup", dir]);
    const port = await freePort();
    const transportPort = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let child: ChildProcess | undefined;
    let output = "";

    const env = { PATH: process.env.PATH ?? "", OPENSEARCH_PATH_CONF: `${dir}/config`, OPENSEARCH_TMPDIR: `${dir}/tmp`, JAVA_HOME: javaHome() };
    // The node's java command as the distribution's bin/opensearch builds it. That script first starts four
    // other JVMs (a CDS check, Java's version checker, the keystore's password check and the parser of
    // jvm.options), a fifth of the CPU time of a test node's start; only the parser's answer is needed.
    const java = path.join(env.JAVA_HOME, "bin", "java");
    const classpath = path.join(home, "lib", "*");
    const jvmOptions = execFileSync(java, ["-Xshare:auto", "-cp", classpath, "org.opensearch.tools.launchers.JvmOptionsParser", `${dir}/config`], {
        env,
        encoding: "utf8",
    })
        .trim()
        .split(/\s+/);
    let archive = classArchive(home, env.JAVA_HOME, dir);
    const command = () => [
        ...[java, "-Xshare:auto", ...jvmOptions, ...archive.flags, `-Dopensearch.path.home=${home}`, `-Dopensearch.path.conf=${dir}/config`],
        ...["-Dopensearch.distribution.type=zip", "-Dopensearch.bundled_jdk=false", "-cp", classpath, "org.opensearch.bootstrap.OpenSearch"],
        ...["-E", `path.data=${dir}/data`, "-E", `path.logs=${dir}/logs`, "-E", "network.host=127.0.0.1"],
        ...["-E", `http.port=${port}`, "-E", `transport.port=${transportPort}`, "-E", "discovery.type=single-node"],
        // A test node on a shared disk: no read-only switch when the disk fills past the watermarks.
        ...["-E", "cluster.routing.allocation.disk.threshold_enabled=false", "-E", "action.auto_create_index=false"],
    ];

    const start = async () => {
        // As bin/opensearch runs it: from the distribution's folder, an empty keystore password on standard input.
        const argv = command();
        child = isRoot
            ? spawn("runuser", ["-u", "nobody", "--", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv], {
                  cwd: home,
                  stdio: ["pipe", "pipe", "pipe"],
              })
            : spawn(argv[0], argv.slice(1), { cwd: home, env, stdio: ["pipe", "pipe", "pipe"] });
        child.stdin!.end("\n");
        child.stdout!.on("data", (chunk) => (output += chunk));
        child.stderr!.on("data", (chunk) => (output += chunk));
        const started = child;
        for (const deadline = Date.now() + 240_000; ;) {
            if (started.exitCode !== null) throw new Error(`OpenSearch exited with status ${started.exitCode}: ${output.slice(-4000)}`);
            if (Date.now() > deadline) throw new Error(`OpenSearch did not answer within 240 s: ${output.slice(-4000)}`);
            const health = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, { headers: authorization }).then(
                (r) => r.ok,
                () => false,
            );
            if (health) return;
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
    };
    // The JVM is a child of runuser (as root): find it by its data directory to signal it directly.
    const kill = async () => {
        if (!child || child.exitCode !== null || child.signalCode !== null) return; // already ended (killed before)
        const exited = new Promise((resolve) => child!.once("exit", resolve));
        for (const pid of jvmPids(dir)) process.kill(pid, "SIGKILL");
        child.kill("SIGKILL");
        await exited;
        for (const deadline = Date.now() + 10_000; jvmPids(dir).length > 0 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    try {
        await start();
    } catch (err) {
        if (archive.making) archive.abandon();
        throw err;
    }
    if (archive.making) {
        // The JVM writes the archive as it exits: stopped (SIGTERM) now that it loaded what a node loads, then
        // started again from the archive, the way every later node starts.
        const making = archive;
        const running = child!;
        const exited = new Promise((resolve) => running.once("exit", resolve));
        for (const pid of jvmPids(dir)) process.kill(pid, "SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const written = await Promise.race([exited.then(() => true), new Promise((resolve) => (timer = setTimeout(resolve, 180_000, false)))]);
        clearTimeout(timer);
        await kill(); // when it did not end: the archive is not kept
        if (written) making.publish();
        else making.abandon();
        archive = classArchive(home, env.JAVA_HOME, dir, { make: false });
        await start();
    }
    return {
        url,
        port,
        master,
        kill,
        restart: start,
        async stop() {
            await kill();
            fs.rmSync(dir, { recursive: true, force: true });
        },
        log: () => output,
    };
}

function javaHome(): string {
    if (process.env.JAVA_HOME) return process.env.JAVA_HOME;
    // /usr/bin/java -> /etc/alternatives/java -> <home>/bin/java
    return path.dirname(path.dirname(fs.realpathSync("/usr/bin/java")));
}

function jvmPids(dir: string): number[] {
    const pids: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
            // The JVM itself, not runuser above it (whose arguments hold the same command): runuser ends its child
            // two seconds after a SIGTERM of its own, before a JVM writing its class archive is done.
            const isJvm = cmdline.split("\0")[0].endsWith(`${path.sep}java`);
            if (isJvm && cmdline.includes("org.opensearch.bootstrap.OpenSearch") && cmdline.includes(`${dir}/data`)) pids.push(Number(entry));
        } catch {
            // the process ended meanwhile
        }
    }
    return pids;
}
