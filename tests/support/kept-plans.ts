/**
 * The plan worker's plans, kept in the user's cache by everything they were computed from, so that
 * a run whose inputs are all as they were (a fresh clone of a commit tested here before, or a change
 * to the shop's code that no stage reads) does not compute the thirty plans again.
 *
 * What a computation read is recorded as it runs, as a build's dependency file is: every module
 * already loaded when it starts (the worker itself), and, while it runs, every file read, folder
 * listed or path tested for existence through node's fs, every command run with spawnSync (git, for
 * the image's revision: its output is compared, so a commit with the same files is a change), the
 * environment variables Pulumi, the provider and the project read (PULUMI_*, AWS_*, SHOP_*), and
 * node's version. Kept plans are used only when every one of those answers as it did; otherwise the
 * plans are computed and kept anew. The record is kept only when every plan was computed. The
 * checkout's own path is kept as a mark, in the inputs and in the plans (a dev plan names its image's
 * build context), so that a fresh clone elsewhere finds what a clone of the same commit kept.
 *
 * The files are read only when they are this user's own, which nobody else could have written
 * (app/src/kept-file.ts): a planted plan would pass a stage's tests unplanned.
 */
import { createHash } from "node:crypto";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { readKeptFile, writeKeptFile } from "../../app/src/kept-file";
import { projectRoot } from "../../tools/project-root";

// node's own module objects, whose functions the recording replaces for everyone (an `import * as` is a copy whose members cannot be set).
const nodeRequire = Module.createRequire(__filename);
const fs = nodeRequire("node:fs") as typeof import("node:fs");
const childProcess = nodeRequire("node:child_process") as typeof import("node:child_process");

/** Stands for the checkout's path in what is kept. */
const rootMark = "\u0000root\u0000";
const escapeForRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `text` with the checkout's path (as it is written raw, or inside a JSON string) where it is a whole path or a path's beginning, marked. */
export function withRootMarked(text: string, root = projectRoot): string {
    for (const form of new Set([root, JSON.stringify(root).slice(1, -1)])) {
        text = text.replace(new RegExp(`${escapeForRegExp(form)}(?=$|[/"\\\\])`, "g"), rootMark);
    }
    return text;
}

/** `text` with the mark of `withRootMarked` made the checkout's path again (in JSON text: `json`). */
export function withRootFilledIn(text: string, { json = false, root = projectRoot } = {}): string {
    return text.split(rootMark).join(json ? JSON.stringify(root).slice(1, -1) : root);
}

/** One thing a computation read, and what it found: [kind, what, digest of the answer]. */
export type Input = [kind: "file" | "folder" | "exists" | "command" | "environment", what: string, digest: string];

/** How many computations are kept, the most recent: a few branches' worth. */
const keptRecords = 3;

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** What `kind` of `what` answers now. */
function answer(kind: Input[0], what: string): string {
    try {
        if (kind === "file") return sha256(fs.readFileSync(what));
        if (kind === "folder") return sha256(fs.readdirSync(what).sort().join("\0"));
        if (kind === "exists") return String(fs.existsSync(what));
        if (kind === "environment") return environment();
        const { command, args, cwd } = JSON.parse(what) as { command: string; args: string[]; cwd?: string };
        const result = childProcess.spawnSync(command, args, { cwd, encoding: "utf8" });
        return sha256(JSON.stringify([result.status, result.stdout, result.stderr]));
    } catch {
        return "missing";
    }
}

/** The environment a plan can read, and the node that runs it (SHOP_PLAN_DIR, a run's own folder, left out). */
function environment(): string {
    const read = Object.entries(process.env)
        .filter(([name]) => /^(PULUMI|AWS|SHOP)_/.test(name) && name !== "SHOP_PLAN_DIR")
        .sort(([a], [b]) => a.localeCompare(b));
    return sha256(JSON.stringify([process.version, process.arch, read]));
}

export interface Recording {
    /** Stops recording; what was read, each once. */
    stop(): Input[];
}

/**
 * Records what this process reads from now on (and the modules it has loaded already), leaving out
 * what is under `outside` (the run's own folder, which it writes and polls).
 */
export function recordInputs(outside: string[]): Recording {
    const seen = new Map<string, Input>([["environment", ["environment", "", ""]]]);
    const skipped = (file: string) => outside.some((dir) => file === dir || file.startsWith(dir + path.sep));
    const note = (kind: Input[0], what: unknown) => {
        if (typeof what !== "string" && !(what instanceof URL)) return; // a descriptor: a file opened otherwise
        const where = kind === "command" ? String(what) : path.resolve(what instanceof URL ? what.pathname : what);
        if (kind !== "command" && skipped(where)) return;
        if (!seen.has(`${kind}\0${where}`)) seen.set(`${kind}\0${where}`, [kind, where, ""]);
    };
    for (const file of Object.keys(require.cache)) note("file", file);
    const patched: [object, string, unknown][] = [];
    const patch = <T extends object>(target: T, name: keyof T & string, kind: Input[0]) => {
        const original = target[name] as (...args: unknown[]) => unknown;
        patched.push([target, name, original]);
        (target as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
            note(kind, args[0]);
            return original.apply(this, args);
        };
    };
    patch(fs, "readFileSync", "file");
    patch(fs, "readFile", "file");
    patch(fs.promises, "readFile", "file");
    patch(fs, "readdirSync", "folder");
    patch(fs, "existsSync", "exists");
    patch(fs, "statSync", "exists");
    const spawnSync = childProcess.spawnSync;
    patched.push([childProcess, "spawnSync", spawnSync]);
    (childProcess as { spawnSync: unknown }).spawnSync = function (command: string, args?: readonly string[], options?: { cwd?: string }) {
        note("command", JSON.stringify({ command, args: args ?? [], cwd: options?.cwd }));
        // eslint-disable-next-line prefer-rest-params
        return spawnSync.apply(this, arguments as unknown as Parameters<typeof spawnSync>);
    };
    return {
        stop() {
            for (const [target, name, original] of patched.reverse()) (target as Record<string, unknown>)[name] = original;
            // What each answers now: read after the computation, so that a file changed during it is a change next time.
            return [...seen.values()].map(([kind, what]): Input => [kind, withRootMarked(what), answer(kind, what)]);
        },
    };
}

/** Where the records are: `<n>.inputs.json` and `<n>.plans.json`, beside the project's other kept files. */
export function keptPlansDir(): string {
    const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
    return path.join(cache, "shop-evolution", "kept-plans");
}

/** The plans (file name to JSON) of a kept computation whose every input answers as it did, or undefined. */
export function keptPlans(dir = keptPlansDir()): Record<string, string> | undefined {
    let names: string[];
    try {
        names = records(dir);
    } catch {
        return undefined;
    }
    for (const name of names) {
        try {
            const inputs = JSON.parse(readKeptFile(path.join(dir, name))?.toString("utf8") ?? "null") as Input[] | null;
            if (!Array.isArray(inputs)) continue;
            if (!inputs.every(([kind, what, digest]) => answer(kind, withRootFilledIn(what, { json: kind === "command" })) === digest)) continue;
            const plans = JSON.parse(readKeptFile(path.join(dir, name.replace(/\.inputs\.json$/, ".plans.json")))?.toString("utf8") ?? "null");
            if (plans && typeof plans === "object")
                return Object.fromEntries(
                    Object.entries(plans as Record<string, string>).map(([name, plan]) => [name, withRootFilledIn(plan, { json: true })]),
                );
        } catch {
            // A damaged record: not used.
        }
    }
    return undefined;
}

/** Keeps `plans` (file name to JSON) under what they were computed from; the oldest records beyond a few go. */
export function keepPlans(inputs: Input[], plans: Record<string, string>, dir = keptPlansDir()): void {
    const id = sha256(JSON.stringify(inputs)).slice(0, 32);
    // The plans first: a record is found by its inputs, which then always have their plans.
    const marked = Object.fromEntries(Object.entries(plans).map(([name, plan]) => [name, withRootMarked(plan)]));
    if (!writeKeptFile(path.join(dir, `${id}.plans.json`), JSON.stringify(marked))) return;
    writeKeptFile(path.join(dir, `${id}.inputs.json`), JSON.stringify(inputs));
    for (const name of records(dir).slice(keptRecords)) {
        for (const file of [name, name.replace(/\.inputs\.json$/, ".plans.json")]) fs.rmSync(path.join(dir, file), { force: true });
    }
}

/** The records' input files in `dir`, the most recently kept first. */
function records(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .filter((name) => name.endsWith(".inputs.json"))
        .map((name) => ({ name, at: fs.statSync(path.join(dir, name)).mtimeMs }))
        .sort((a, b) => b.at - a.at)
        .map(({ name }) => name);
}
