/**
 * The shop as its own process, started as its image does (plain `node` on compiled JavaScript:
 * tools/compiled.js keeps app/bin/ current), on a free port; for tests, the lab and the
 * benchmark that need a real process: signals, restarts, several instances.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { projectRoot } from "../project-root";
import { shopCompiledSchemasDir, shopEntry } from "../compiled";
import { freePort } from "./ports";

// From the project's root, which the lab's compiled copy in bin/ finds too.
const appDir = path.join(projectRoot, "app");
const codeCache = path.join(projectRoot, "tools", "servers", "shop-code-cache.js");

export interface ShopProcess {
    url: string;
    port: number;
    /** Where /metrics is served (a port of its own). */
    metricsUrl: string;
    child: ChildProcess;
    /** Everything it wrote to stdout and stderr. */
    output(): string;
    /** Resolves with its exit code. */
    exited: Promise<number | null>;
    /** SIGTERM, then waits for the exit. */
    stop(): Promise<number | null>;
}

/**
 * Spawns the shop with `env` (and nothing else of this process's environment but PATH). Its routes' schemas
 * are compiled once for all of them and kept (unless `env` says otherwise): a start then takes a third less CPU.
 */
export function spawnShop(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    // node itself (no wrapper), so that signals, SIGKILL too, reach the shop; with the compiled code of earlier starts.
    const child = spawn(process.execPath, ["--require", codeCache, shopEntry("main")], {
        cwd: appDir,
        env: { PATH: process.env.PATH ?? "", SHOP_COMPILED_SCHEMAS_DIR: shopCompiledSchemasDir, ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, output: () => output, exited };
}

/** Starts the shop on a free port (or `port`) and resolves once it answers /readyz (within `readyWithinMs`). */
export async function startShopProcess(env: Record<string, string>, port?: number, readyWithinMs = 60_000): Promise<ShopProcess> {
    const listen = port ?? (await freePort());
    const metricsPort = env.SHOP_METRICS_PORT ?? String(await freePort());
    const shop = spawnShop({
        SHOP_LOG_LEVEL: "warn",
        SHOP_SESSION_SECRET: "shared-secret-of-every-instance-0123456789",
        ...env,
        PORT: String(listen),
        SHOP_METRICS_PORT: metricsPort,
    });
    const url = `http://127.0.0.1:${listen}`;
    for (const deadline = Date.now() + readyWithinMs; ;) {
        if (shop.child.exitCode !== null) throw new Error(`the shop exited with status ${shop.child.exitCode} before it was ready: ${shop.output()}`);
        if (Date.now() > deadline) {
            // Not left running behind a failed start: nobody else knows of it.
            shop.child.kill("SIGKILL");
            throw new Error(`the shop was not ready within ${readyWithinMs / 1000} s: ${shop.output()}`);
        }
        if (
            await fetch(`${url}/readyz`).then(
                (r) => r.ok,
                () => false,
            )
        )
            break;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return {
        ...shop,
        url,
        port: listen,
        metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
        async stop() {
            if (shop.child.exitCode === null) shop.child.kill("SIGTERM");
            return shop.exited;
        },
    };
}
