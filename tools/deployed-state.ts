/**
 * What a deployed stack is, read through the Pulumi CLI where credentials exist: its update
 * history, an output, and a preview of its real state against the stack file as it is on disk.
 * Each read answers `undefined` where the CLI cannot (no CLI, no login, no such stack), so a
 * tool can say what it could not check instead of failing.
 */
import { spawnSync } from "node:child_process";

/** One entry of `pulumi stack history --json`, as far as the tools read it. */
export interface UpdateEntry {
    kind?: string;
    result?: string;
    version?: number;
    startTime?: number;
    environment?: Record<string, string>;
}

/** One step of `pulumi preview --json`. */
export interface PreviewStep {
    op: string;
    urn: string;
}

export interface DeployedState {
    /** The stack's updates, newest first. */
    history(stack: string): UpdateEntry[] | undefined;
    /** One output of the stack, as text. */
    output(stack: string, name: string): string | undefined;
    /** The engine's plan of the stack's real state against the stack file in `dir`. */
    preview(stack: string, dir: string): { steps?: PreviewStep[]; changeSummary?: Record<string, number> } | undefined;
}

/** The Pulumi CLI (`pulumi` on PATH, or the given executable) as a DeployedState. */
export function pulumiCli(pulumi = "pulumi", cwd?: string): DeployedState {
    const run = (args: string[], timeout: number) => {
        const result = spawnSync(pulumi, args, { cwd, encoding: "utf8", timeout, maxBuffer: 256 * 1024 * 1024 });
        return result.status === 0 ? result.stdout : undefined;
    };
    const json = <T>(text: string | undefined): T | undefined => {
        try {
            return text === undefined ? undefined : (JSON.parse(text) as T);
        } catch {
            return undefined;
        }
    };
    return {
        history: (stack) => json(run(["stack", "history", "--stack", stack, "--json", "--show-secrets=false"], 60_000)),
        output: (stack, name) => run(["stack", "output", name, "--stack", stack], 60_000)?.trim() || undefined,
        preview: (stack, dir) => json(run(["preview", "--stack", stack, "--cwd", dir, "--json", "--non-interactive"], 30 * 60_000)),
    };
}

/** The newest update (`kind: update`) of a history, successful or not. */
export function lastUpdate(history: UpdateEntry[]): UpdateEntry | undefined {
    return history.find((u) => u.kind === "update");
}

/** The newest successful update of a history, and the commit it ran from. */
export function lastSuccessfulUpdate(history: UpdateEntry[]): { version?: number; commit?: string } | undefined {
    const update = history.find((u) => u.kind === "update" && u.result === "succeeded");
    return update && { version: update.version, commit: update.environment?.["git.head"] };
}
