/**
 * A real Redis server for the tests (Debian's redis-server), on a free loopback port, with
 * no persistence. It can be stopped and started again on the same port, for fault tests.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import { acceptsConnections, freePort } from "./ports";

const redisServer = "/usr/bin/redis-server";

export interface RedisServer {
    url: string;
    port: number;
    /** Stops the server (SIGKILL: as abrupt as a failed node). */
    kill(): Promise<void>;
    /** Starts it again on the same port, empty. */
    restart(): Promise<void>;
    stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
    if (!fs.existsSync(redisServer))
        throw new Error("redis-server is not installed: run `bash tools/ensure-system-packages.sh` as root, or apt-get install redis-server");
    const port = await freePort();
    let child: ChildProcess | undefined;
    const start = async () => {
        child = spawn(
            redisServer,
            ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            { stdio: "ignore" },
        );
        for (const deadline = Date.now() + 10_000; !(await acceptsConnections(port));) {
            if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
            await new Promise((resolve) => setTimeout(resolve, 25));
        }
    };
    const kill = async () => {
        if (!child || child.exitCode !== null || child.signalCode !== null) return; // already ended (killed before)
        const exited = new Promise((resolve) => child!.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
    };
    await start();
    return { url: `redis://127.0.0.1:${port}`, port, kill, restart: start, stop: kill };
}
