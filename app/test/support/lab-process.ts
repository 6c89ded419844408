/**
 * `npm run lab` as its own process, as a person runs it: started with its arguments, read
 * until it prints its entry, stopped with SIGTERM. Every process it started (its descendants)
 * is remembered, so that a test can check none is left once it has stopped.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { acceptsConnections } from "../../../tools/servers/ports";
import { descendantsOf, isRunning } from "../../../tools/servers/process-tree";

const root = path.resolve(__dirname, "..", "..", "..");

export interface LabProcess {
    entry: string;
    /** The rows of its table: process name and port. */
    parts: { name: string; port: number }[];
    output(): string;
    /** The pids of every process under it, as of now. */
    descendants(): number[];
    /** SIGTERM; resolves with its exit code and what is still running of what it started. */
    stop(): Promise<{ code: number | null; alive: number[]; listening: number[] }>;
}

const running = new Set<{ child: ChildProcess; exited: Promise<number | null> }>();

/** Stops (SIGTERM) every lab a test started and did not stop, say because it timed out; for afterAll. */
export async function stopLeftLabs(): Promise<void> {
    for (const lab of running) if (lab.child.exitCode === null && lab.child.signalCode === null) lab.child.kill("SIGTERM");
    await Promise.all([...running].map((lab) => lab.exited));
}

export function runLab(args: string[]): { child: ChildProcess; output(): string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, ["tools/compiled.js", "tools/lab/lab.ts", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const entry = { child, exited };
    running.add(entry);
    void exited.then(() => running.delete(entry));
    return { child, output: () => output, exited };
}

export async function startLab(args: string[], timeoutMs = 540_000): Promise<LabProcess> {
    const lab = runLab(args);
    for (const deadline = Date.now() + timeoutMs; !/^serving;/m.test(lab.output());) {
        if (lab.child.exitCode !== null) throw new Error(`the lab exited with status ${lab.child.exitCode}: ${lab.output()}`);
        if (Date.now() > deadline) {
            lab.child.kill("SIGTERM");
            throw new Error(`the lab did not serve within ${timeoutMs} ms: ${lab.output()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const text = lab.output();
    const table = text.slice(text.indexOf("process  "), text.indexOf("\nentry: "));
    const parts = table
        .split("\n")
        .slice(2)
        .filter((line) => line.trim())
        .map((line) => {
            const cells = line.split(/\s{2,}/);
            return { name: cells[0], port: Number(cells.find((c) => /^\d+$/.test(c))) };
        });
    let seen: number[] = [];
    const descendants = () => {
        seen = [...new Set([...seen, ...descendantsOf(lab.child.pid!)])];
        return seen;
    };
    descendants();
    return {
        entry: text.match(/^entry: (\S+)/m)![1],
        parts,
        output: lab.output,
        descendants,
        async stop() {
            descendants();
            lab.child.kill("SIGTERM");
            const code = await lab.exited;
            const alive = seen.filter(isRunning);
            const listening = [];
            for (const { port } of parts) if (await acceptsConnections(port)) listening.push(port);
            return { code, alive, listening };
        },
    };
}
