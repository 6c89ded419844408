import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { acceptsConnections, freePort } from "./ports";
import { scratchDir } from "./scratch";
import { childrenOf } from "./process-tree";
import { NginxConfArgs, renderNginxConf } from "../../components/edge/nginx-conf";

/** Debian's nginx, installed by tools/ensure-system-packages.sh. */
export const nginxBinary = "/usr/sbin/nginx";

/** A scratch directory for one nginx: its config, pid file, logs and temp files. */
export function nginxSandbox(): { dir: string; paths: NonNullable<NginxConfArgs["paths"]>; write(conf: string): string } {
    const dir = fs.mkdtempSync(path.join(scratchDir, "shop-nginx-"));
    fs.mkdirSync(path.join(dir, "temp"));
    const paths = { pidFile: `${dir}/nginx.pid`, errorLog: `${dir}/error.log`, accessLog: `${dir}/access.log`, tempDir: `${dir}/temp` };
    return {
        dir,
        paths,
        write(conf: string) {
            const file = path.join(dir, "nginx.conf");
            fs.writeFileSync(file, conf);
            return file;
        },
    };
}

/** Runs the real `nginx -t` on a rendered configuration; returns its verdict and output. */
export function nginxTest(args: NginxConfArgs): { ok: boolean; output: string } {
    const sandbox = nginxSandbox();
    try {
        const file = sandbox.write(renderNginxConf({ ...args, paths: { ...sandbox.paths, ...args.paths } }));
        const result = spawnSync(nginxBinary, ["-t", "-p", sandbox.dir, "-c", file], { encoding: "utf8" });
        return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
    } finally {
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
    }
}

/** Starts real nginx in the foreground with a rendered configuration; resolves once it accepts connections. */
export async function startNginx(args: NginxConfArgs): Promise<RunningNginx> {
    const port = args.listenPort ?? (await freePort());
    return startNginxConf(port, (paths) => renderNginxConf({ ...args, listenPort: port, paths: { ...paths, ...args.paths } }));
}

export interface RunningNginx {
    port: number;
    pid: number;
    stop(): Promise<void>;
    /** SIGKILL of the master and its workers, as a failed instance. */
    kill(): Promise<void>;
    accessLog(): string;
}

/** Starts real nginx on a configuration written for `port` by `conf`, given the sandbox's paths; resolves once it accepts connections. */
export async function startNginxConf(port: number, conf: (paths: NonNullable<NginxConfArgs["paths"]>) => string): Promise<RunningNginx> {
    const sandbox = nginxSandbox();
    const file = sandbox.write(conf(sandbox.paths));
    const child: ChildProcess = spawn(nginxBinary, ["-p", sandbox.dir, "-c", file, "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    const deadline = Date.now() + 10_000;
    while (!(await acceptsConnections(port))) {
        if (child.exitCode !== null || Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error(`nginx did not start: ${stderr}${fs.existsSync(sandbox.paths.errorLog!) ? fs.readFileSync(sandbox.paths.errorLog!, "utf8") : ""}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const exited = new Promise((resolve) => child.once("exit", resolve));
    return {
        port,
        pid: child.pid!,
        accessLog: () => fs.readFileSync(sandbox.paths.accessLog!, "utf8"),
        async kill() {
            // The workers are the master's children: SIGKILL of the master alone would leave them serving.
            for (const pid of childrenOf(child.pid!)) process.kill(pid, "SIGKILL");
            if (child.exitCode === null) child.kill("SIGKILL");
            await exited;
        },
        async stop() {
            if (child.exitCode === null && child.signalCode === null) {
                child.kill("SIGQUIT");
                await exited;
            }
            fs.rmSync(sandbox.dir, { recursive: true, force: true });
        },
    };
}
