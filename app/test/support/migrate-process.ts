/** The image's migration entry (src/migrate.ts) as its own process, started as the image does (plain node on compiled JavaScript). */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { shopEntry } from "../../../tools/compiled";

const appDir = path.resolve(__dirname, "..", "..");

export interface MigrateRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs migrate.ts with `env` (and nothing else of this process's environment but PATH) until it exits. */
export function runMigrate(env: Record<string, string>, timeoutMs = 120_000): Promise<MigrateRun> {
    const child = spawn(process.execPath, [shopEntry("migrate")], { cwd: appDir, env: { PATH: process.env.PATH ?? "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    return new Promise((resolve) =>
        child.on("exit", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        }),
    );
}

/** Starts migrate.ts and leaves it running (the Lambda loop never ends by itself); `stop` kills it. */
export function startMigrate(env: Record<string, string>): { stop(): Promise<void>; output(): string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [shopEntry("migrate")], { cwd: appDir, env: { PATH: process.env.PATH ?? "", ...env } });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return {
        exited,
        output: () => output,
        async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
            await exited;
        },
    };
}
