/**
 * A real PostgreSQL server for the tests, from Debian's packages: a fresh cluster (initdb's) in a
 * temporary directory, started on a free loopback port, stopped and removed afterwards. As root (CI),
 * the server runs as the `postgres` system user, since PostgreSQL refuses to run as root.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { freePort } from "./ports";
import { scratchDir } from "./scratch";

export interface PostgresServer {
    port: number;
    /**
     * A URL of a new, empty database on this server. With `owner`, the database belongs to a
     * login role that must give its password (scram-sha-256), as on a managed database; the
     * URL names the role but never carries the password.
     */
    createDatabase(name: string, owner?: { user: string; password: string }): Promise<string>;
    /** Runs SQL through psql, as the superuser. */
    psql(database: string, sql: string): string;
    /** Stops the server (a fast shutdown: sessions are cut), waits `downMs`, and starts it again on the same port and data. */
    restart(downMs?: number): Promise<void>;
    stop(): Promise<void>;
    dataDir: string;
    binDir: string;
    asServerUser(command: string, args: string[]): string[];
}

export function postgresBinDir(): string {
    const root = "/usr/lib/postgresql";
    const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))) : [];
    if (versions.length === 0)
        throw new Error("PostgreSQL's server is not installed: run `bash tools/ensure-system-packages.sh` as root, or apt-get install postgresql");
    return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], "bin");
}

const isRoot = process.getuid?.() === 0;

/** The command line that runs `command` as the server's user (postgres when we are root). */
export function asServerUser(command: string, args: string[]): string[] {
    return isRoot ? ["runuser", "-u", "postgres", "--", command, ...args] : [command, ...args];
}

export function makeServerDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(scratchDir, prefix));
    fs.chmodSync(dir, 0o700);
    if (isRoot) execFileSync("chown", ["-R", "postgres:postgres", dir]);
    return dir;
}

function run(argv: string[], options: { input?: string } = {}): string {
    const result = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", input: options.input });
    if (result.status !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr || result.stdout}`);
    return result.stdout;
}

/** Starts postgres on `dataDir` and waits until it accepts connections. */
export async function startServer(binDir: string, dataDir: string, port: number, extra: string[] = []): Promise<() => Promise<void>> {
    const child = spawn(
        asServerUser(path.join(binDir, "postgres"), [])[0],
        [
            ...asServerUser(path.join(binDir, "postgres"), []).slice(1),
            "-D",
            dataDir,
            "-p",
            String(port),
            "-k",
            dataDir,
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            ...extra,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
    );
    // Ready when it says so in its log ("ready to accept connections", "... read-only connections" for a standby),
    // which it writes once it accepts them: no pg_isready every 100 ms, each a fork of this (often large) process.
    let log = "";
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
        const failed = () => reject(new Error(`postgres did not start: ${log}`));
        let ready = false;
        child.stderr!.on("data", (chunk) => {
            log += chunk;
            // Searched until found only: the log keeps growing for as long as the server runs.
            if (!ready && /database system is ready to accept (read-only )?connections/.test(log)) {
                ready = true;
                resolve();
            }
        });
        child.once("exit", failed);
        timer = setTimeout(failed, 30_000);
    }).finally(() => clearTimeout(timer));
    return async () => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        // Signal postgres itself: runuser does not pass SIGINT on to it. SIGINT is a fast shutdown.
        // Without its pid file it is already shutting down (a Ctrl-C reaches every process of the terminal's group).
        const pidFile = path.join(dataDir, "postmaster.pid");
        if (fs.existsSync(pidFile)) process.kill(Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]), "SIGINT");
        await exited;
    };
}

// WAL in 1 MiB segments instead of 16: the cluster's copy, made for every server a run starts, is 28 MiB instead of 39.
const initdbArgs = ["-U", "shop", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--wal-segsize=1"];

/**
 * Fills the empty `dataDir` with a fresh cluster: a copy of one that initdb made once on this machine
 * for this major version (a copy costs a tenth of initdb's CPU, and a run starts dozens of servers).
 * The template is made aside and renamed into place whole, so that a server never copies half of one.
 */
function initializeCluster(binDir: string, dataDir: string): void {
    const major = path.basename(path.dirname(binDir));
    // Named by what made it too: a change to initdb's arguments makes a new one.
    const made = createHash("sha256").update(initdbArgs.join("\0")).digest("hex").slice(0, 8);
    const template = path.join(scratchDir, `shop-pg-template-${major}-${made}-${process.getuid?.() ?? "user"}`);
    if (!fs.existsSync(path.join(template, "global", "pg_control"))) {
        // Whatever is there is not a whole cluster (a cleaner of /tmp took part of it): made again.
        fs.rmSync(template, { recursive: true, force: true });
        const partial = makeServerDir("shop-pg-template-");
        run(asServerUser(path.join(binDir, "initdb"), ["-D", path.join(partial, "data"), ...initdbArgs]));
        try {
            fs.renameSync(path.join(partial, "data"), template);
        } catch {
            // Another process made it first: theirs is as good.
        }
        fs.rmSync(partial, { recursive: true, force: true });
    }
    run(["cp", "-a", `${template}/.`, dataDir]);
}

export async function startPostgres(options: { maxConnections?: number } = {}): Promise<PostgresServer> {
    const binDir = postgresBinDir();
    const dataDir = makeServerDir("shop-pg-");
    initializeCluster(binDir, dataDir);
    // The superuser (the tests' psql, replication) stays trusted; any other role must give its password.
    const hba = [
        "local all shop trust",
        "host all shop 127.0.0.1/32 trust",
        "host replication shop 127.0.0.1/32 trust",
        "host all all 127.0.0.1/32 scram-sha-256",
        "",
    ].join("\n");
    fs.writeFileSync(path.join(dataDir, "pg_hba.conf"), hba);
    const port = await freePort();
    const settings = ["-c", `max_connections=${options.maxConnections ?? 200}`];
    let stop = await startServer(binDir, dataDir, port, settings);
    const psql = (database: string, sql: string) =>
        run([path.join(binDir, "psql"), "-h", "127.0.0.1", "-p", String(port), "-U", "shop", "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt"], { input: sql });
    return {
        port,
        dataDir,
        binDir,
        asServerUser,
        psql,
        async createDatabase(name: string, owner?: { user: string; password: string }) {
            if (!owner) {
                psql("postgres", `CREATE DATABASE ${name};`);
                return `postgres://shop@127.0.0.1:${port}/${name}`;
            }
            psql("postgres", `CREATE ROLE ${owner.user} LOGIN PASSWORD '${owner.password.replace(/'/g, "''")}'; CREATE DATABASE ${name} OWNER ${owner.user};`);
            return `postgres://${owner.user}@127.0.0.1:${port}/${name}`;
        },
        async restart(downMs = 0) {
            await stop();
            await new Promise((resolve) => setTimeout(resolve, downMs));
            stop = await startServer(binDir, dataDir, port, settings);
        },
        async stop() {
            await stop();
            fs.rmSync(dataDir, { recursive: true, force: true });
        },
    };
}

export interface ReplicaServer {
    port: number;
    url(database: string): string;
    psql(database: string, sql: string): string;
    /** Stops it abruptly (SIGKILL of the postmaster), as a failed node. */
    kill(): Promise<void>;
    stop(): Promise<void>;
}

/**
 * A real streaming replica of `primary`: pg_basebackup -R (which writes the standby's
 * connection settings), started as a hot standby on its own free port.
 */
export async function startReplica(primary: PostgresServer): Promise<ReplicaServer> {
    const dataDir = makeServerDir("shop-pg-replica-");
    run(
        asServerUser(path.join(primary.binDir, "pg_basebackup"), [
            "-h",
            "127.0.0.1",
            "-p",
            String(primary.port),
            "-U",
            "shop",
            "-D",
            dataDir,
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
        ]),
    );
    const port = await freePort();
    const stop = await startServer(primary.binDir, dataDir, port, ["-c", "hot_standby=on", "-c", "max_connections=200"]);
    const psql = (database: string, sql: string) =>
        run([path.join(primary.binDir, "psql"), "-h", "127.0.0.1", "-p", String(port), "-U", "shop", "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt"], {
            input: sql,
        });
    let stopped = false;
    return {
        port,
        url: (database) => `postgres://shop@127.0.0.1:${port}/${database}`,
        psql,
        async kill() {
            const pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
            process.kill(pid, "SIGKILL");
            await new Promise((resolve) => setTimeout(resolve, 200));
            stopped = true;
        },
        async stop() {
            if (!stopped) await stop();
            fs.rmSync(dataDir, { recursive: true, force: true });
        },
    };
}
