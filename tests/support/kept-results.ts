/**
 * What the plan worker computes (the thirty offline plans, and each mock deployment a suite asks
 * for), kept in the user's cache by everything it was computed from, so that a run whose inputs are
 * all as they were (a fresh clone of a commit tested here before, or a change to the shop's code that
 * no stage reads) does not compute it again.
 *
 * What a computation read is recorded as it runs, as a build's dependency file is: every module
 * already loaded when it starts (as its file was when node loaded it: `watchModuleLoads`) and npm's
 * record of the installed packages, and, while it runs, every file read, folder listed, path tested for existence or link followed through
 * node's fs, git run with spawnSync (for the image's revision: its output is compared, so a commit
 * with the same files is a change), the environment variables Pulumi, the provider, git and the
 * project read (PULUMI_*, AWS_*, GIT_*, SHOP_*, NODE_PATH), and node's version. Kept results are used
 * only when every one of those answers as it did; otherwise they are computed and kept anew. A record
 * is kept only when its computation ended well. The checkout's own path is kept as a mark, in the
 * inputs and in the results (a dev plan names its image's build context), so that a fresh clone
 * elsewhere finds what a clone of the same commit kept. One worker's lookups share what each input
 * answered when first asked (`answers`): a run uses the results kept for its inputs as they were at
 * its start, as it uses the plans found then.
 *
 * The files are read only when they are this user's own, which nobody else could have written
 * (app/src/kept-file.ts): a planted plan would pass a stage's tests unplanned.
 */
import { createHash } from "node:crypto";
import Module from "node:module";
import { fileURLToPath } from "node:url";
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

/**
 * `json` (a plan) with the checkout's path marked where a string is that path or a path in it that
 * exists in the checkout (the image's build context and Dockerfile); undefined when the path shows
 * anywhere else (a fixed path such as /srv/shop/certs under a checkout at /srv/shop), which only
 * a run from the same path may then use.
 */
export function withRootMarked(json: string, root = projectRoot): string | undefined {
    const inJson = JSON.stringify(root).slice(1, -1);
    let unmarked = false;
    const marked = json.replace(/"((?:[^"\\]|\\.)*)"/g, (whole, inner: string) => {
        if (!inner.includes(inJson)) return whole;
        const value = JSON.parse(whole) as string;
        const rest = value === root ? "" : value.startsWith(root + path.sep) ? value.slice(root.length) : undefined;
        if (rest === undefined || !fs.existsSync(root + rest)) {
            unmarked = true;
            return whole;
        }
        return JSON.stringify(rootMark + rest);
    });
    return unmarked ? undefined : marked;
}

/** `json` with the mark of `withRootMarked` made the checkout's path again. */
export function withRootFilledIn(json: string, root = projectRoot): string {
    return json.split(JSON.stringify(rootMark).slice(1, -1)).join(JSON.stringify(root).slice(1, -1));
}

/** `file` from the checkout's mark when it is in the checkout. */
const marked = (file: string) => (file === projectRoot || file.startsWith(projectRoot + path.sep) ? rootMark + file.slice(projectRoot.length) : file);

/** A command input (`what`, JSON) with `change` applied to its paths: its arguments and where it runs. */
function withCommandPaths(what: string, change: (text: string) => string): string {
    const { command, args, cwd } = JSON.parse(what) as { command: string; args: string[]; cwd?: string };
    return JSON.stringify({ command, args: args.map(change), cwd: cwd && change(cwd) });
}

/** One thing a computation read, and what it found: [kind, what, digest of the answer]. */
export type Input = [kind: "file" | "folder" | "exists" | "link" | "command" | "environment" | "checkout", what: string, digest: string];

/** How many records of a computation are kept, the most recently used: a few branches' worth. */
const keptRecords = 3;

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** A command's answer, as `answer` and the recording digest it. */
const commandDigest = (result: { status: number | null; stdout?: unknown; stderr?: unknown }) =>
    sha256(JSON.stringify([result.status, String(result.stdout ?? ""), String(result.stderr ?? "")]));

/** While an answer is read: the reads it makes are the recording's own, not the computation's. */
let answering = 0;

/** What `kind` of `what` answers now (`what` as recorded: with the checkout's path, not its mark). */
function answer(kind: Input[0], what: string): string {
    answering++;
    try {
        if (kind === "file") {
            // Only a regular file is read: a FIFO or a device named in a record would never end.
            return fs.statSync(what).isFile() ? sha256(fs.readFileSync(what)) : "not a file";
        }
        if (kind === "folder") return sha256(fs.readdirSync(what).sort().join("\0"));
        if (kind === "exists") return String(fs.existsSync(what));
        // Where a link leads (in the checkout: from its root, so that a clone elsewhere answers alike): a link pointed
        // elsewhere finds other files.
        if (kind === "link") return marked(fs.realpathSync(what));
        if (kind === "environment") return environment();
        if (kind === "checkout") return sha256(projectRoot);
        const { command, args, cwd } = JSON.parse(what) as { command: string; args: string[]; cwd?: string };
        // Only git's answers are recorded (the image's revision); a record naming any other program is not run.
        if (command !== "git") return "not run";
        return commandDigest(childProcess.spawnSync(command, args, { cwd, encoding: "utf8" }));
    } catch {
        return "missing";
    } finally {
        answering--;
    }
}

/** Variables of the test run's own, which no plan reads: a run's folder, where its test servers are. */
const runVariables = ["SHOP_PLAN_DIR", "SHOP_TEST_SERVERS"];

/** The environment a plan can read, and the node that runs it. */
function environment(): string {
    const read = Object.entries(process.env)
        .filter(([name]) => (/^(PULUMI|AWS|SHOP|GIT)_/.test(name) || name === "NODE_PATH") && !runVariables.includes(name))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return sha256(JSON.stringify([process.version, process.arch, read]));
}

/** What each module's file held when node loaded it, by path (`watchModuleLoads`). */
const loadedDigests = new Map<string, string>();

/**
 * From now on, takes the digest of each module's file as node loads it (and of those loaded already,
 * now), so that a recording begun later records a module by the code that runs, not by what its file
 * holds by then. The plan worker watches from its start: its deployments are recorded minutes later,
 * with the stacks and the SDK loaded long before.
 */
export function watchModuleLoads(): void {
    for (const file of Object.keys(require.cache)) if (!loadedDigests.has(file)) loadedDigests.set(file, answer("file", file));
    const extensions = (Module as unknown as { _extensions: Record<string, (module: unknown, filename: string) => unknown> })._extensions;
    for (const extension of [".js", ".json"]) {
        const load = extensions[extension];
        extensions[extension] = function (this: unknown, module: unknown, filename: string) {
            if (!loadedDigests.has(filename)) loadedDigests.set(filename, answer("file", filename));
            return load.call(this, module, filename);
        };
    }
}

export interface Recording {
    /**
     * Stops recording (for good: a copy of a replaced function that a module kept records nothing
     * after); what was read, each once, with what it answered when first read. `unkept` says why
     * nothing may be kept instead: the computation read in a way this does not record (a
     * descriptor, another way to start a program), or something answers otherwise now than when it
     * was read (changed during the computation).
     */
    stop(): { inputs: Input[] } | { unkept: string };
}

/**
 * Records what this process reads from now on (and the modules it has loaded already, and npm's
 * record of the installed packages, which decides how a module is found), leaving out what is under
 * `outside` (the run's own folder, which it writes and polls).
 */
export function recordInputs(outside: string[]): Recording {
    const seen = new Map<string, Input>([["environment\0", ["environment", "", environment()]]]);
    /** Why what was read cannot all be named, when it cannot. */
    let incomplete: string | undefined;
    let stopped = false;
    const skipped = (file: string) => outside.some((dir) => file === dir || file.startsWith(dir + path.sep));
    const note = (kind: Input[0], what: unknown, options?: unknown) => {
        if (answering > 0 || stopped) return;
        if (typeof what !== "string" && !(what instanceof URL)) {
            incomplete ??= `a ${kind} read by a descriptor or a Buffer`;
            return;
        }
        // A listing of a whole tree is answered by its first level only.
        if (kind === "folder" && (options as { recursive?: boolean } | undefined)?.recursive) incomplete ??= "a folder listed with all below it";
        // A file opened to be written is not read.
        if (kind === "file" && /^[wax]/.test(typeof options === "string" ? options : "")) return;
        if (kind === "file" && typeof options === "number" && (options & fs.constants.O_WRONLY) !== 0) return;
        const where = path.resolve(what instanceof URL ? fileURLToPath(what) : what);
        if (skipped(where) || seen.has(`${kind}\0${where}`)) return;
        // Its answer as it is read: a file changed later in the computation is then a change (see `stop`).
        seen.set(`${kind}\0${where}`, [kind, where, answer(kind, where)]);
    };
    // The modules loaded already, as they were when loaded (`watchModuleLoads`): a file rebuilt since (tools/compiled.js
    // after an edit, mid-run) is then a change, not the code that ran.
    for (const file of Object.keys(require.cache)) {
        const where = path.resolve(file);
        if (!skipped(where) && !seen.has(`file\0${where}`)) seen.set(`file\0${where}`, ["file", where, loadedDigests.get(where) ?? answer("file", where)]);
    }
    for (const lock of ["package-lock.json", path.join("node_modules", ".package-lock.json")]) note("file", path.join(projectRoot, lock));
    const patched: [object, string, unknown][] = [];
    const replace = <T extends object>(
        target: T,
        name: keyof T & string,
        by: (original: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown,
    ) => {
        const original = target[name] as (...args: unknown[]) => unknown;
        patched.push([target, name, original]);
        const replacement = by(original);
        // With the original's own members (util.promisify.custom of exec, realpathSync.native), as a module that copies it expects.
        for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(original)))
            if (!["length", "name", "prototype"].includes(key)) Object.defineProperty(replacement, key, descriptor);
        for (const symbol of Object.getOwnPropertySymbols(original))
            Object.defineProperty(replacement, symbol, Object.getOwnPropertyDescriptor(original, symbol)!);
        (target as Record<string, unknown>)[name] = replacement;
    };
    const noting = (kind: Input[0]) => (original: (...args: unknown[]) => unknown) =>
        function (this: unknown, ...args: unknown[]) {
            note(kind, args[0], args[1]);
            return original.apply(this, args);
        };
    for (const name of ["readFileSync", "readFile", "openSync", "open", "createReadStream"] as const) replace(fs, name, noting("file"));
    replace(fs.promises, "readFile", noting("file"));
    replace(fs.promises, "open", noting("file"));
    for (const name of ["readdirSync", "readdir", "opendirSync", "opendir"] as const) replace(fs, name, noting("folder"));
    replace(fs.promises, "readdir", noting("folder"));
    for (const name of ["existsSync", "statSync", "lstatSync", "accessSync", "stat", "lstat", "access"] as const) replace(fs, name, noting("exists"));
    for (const name of ["stat", "lstat", "access"] as const) replace(fs.promises, name, noting("exists"));
    // node's loader finds every module's real path so.
    for (const name of ["realpathSync", "realpath"] as const) {
        replace(fs, name, noting("link"));
        replace(fs[name] as unknown as { native: unknown }, "native", noting("link"));
    }
    replace(fs.promises, "realpath", noting("link"));
    // git, run with spawnSync and no options but where and how to read its answer: recorded with that answer.
    replace(
        childProcess,
        "spawnSync",
        (original) =>
            function (this: unknown, ...args: unknown[]) {
                const [command, commandArgs, options] = args as [string, string[] | undefined, { cwd?: string; encoding?: string } | undefined];
                const result = original.apply(this, args) as { status: number | null; stdout?: unknown; stderr?: unknown };
                const plain = Object.keys(options ?? {}).every((key) => key === "cwd" || key === "encoding");
                if (answering > 0 || stopped) return result;
                if (command !== "git" || !plain || !Array.isArray(commandArgs)) incomplete ??= `${command} run through spawnSync`;
                else {
                    const what = JSON.stringify({ command, args: commandArgs, cwd: options?.cwd });
                    if (!seen.has(`command\0${what}`)) seen.set(`command\0${what}`, ["command", what, commandDigest(result)]);
                }
                return result;
            },
    );
    // Programs started any other way: their reads are not seen.
    for (const name of ["spawn", "exec", "execFile", "execSync", "execFileSync", "fork"] as const)
        replace(
            childProcess,
            name,
            (original) =>
                function (this: unknown, ...args: unknown[]) {
                    if (answering === 0 && !stopped) incomplete ??= `${String(args[0])} run through ${name}`;
                    return original.apply(this, args);
                },
        );
    return {
        stop() {
            if (!stopped) for (const [target, name, original] of patched.reverse()) (target as Record<string, unknown>)[name] = original;
            stopped = true;
            const inputs = [...seen.values()];
            if (incomplete) return { unkept: `the computation read what is not recorded: ${incomplete}` };
            const changed = inputs.find(([kind, what, digest]) => answer(kind, what) !== digest);
            if (changed) return { unkept: `${changed[1] || changed[0]} changed during the computation` };
            // Paths in the checkout are kept with its mark; the commands' too (git -C <checkout>).
            return { inputs: inputs.map(([kind, what, digest]): Input => [kind, kind === "command" ? withCommandPaths(what, marked) : marked(what), digest]) };
        },
    };
}

/** `what` of a kept input, with the checkout's path where its mark is. */
function filledIn(kind: Input[0], what: string): string {
    const fill = (text: string) => text.split(rootMark).join(projectRoot);
    return kind === "command" ? withCommandPaths(what, fill) : fill(what);
}

/**
 * Where the records are kept, beside the project's other kept files: a folder for each computation
 * (`plans`, `deployments/<stack>-<stage>`), with `<id>.inputs.json` and `<id>.results.json` in it.
 */
export function keptResultsDir(): string {
    // A relative XDG_CACHE_HOME is ignored, as the XDG specification says.
    const xdg = process.env.XDG_CACHE_HOME;
    const cache = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), ".cache");
    return path.join(cache, "shop-evolution", "kept-results");
}

/**
 * A result's file name as the worker writes it (a plan's, a deployment's; a plan of a stack file's, with the request
 * it answered, each named by the request's digest): a record names no other file.
 */
const resultName = /^((dev|prod)-\d+|[0-9a-f]{32})\.json$|^[0-9a-f]{32}\.request$/;

/** Where a store looks: `computation`'s folder in the store (by default the user's cache). */
export interface StoreOptions {
    store?: string;
    /**
     * What each input answered when first asked, kept by the caller for the lookups of one run: the records of
     * one commit read the same modules, which are then hashed once, not once a record.
     */
    answers?: Map<string, string>;
}

/** `compute` with the reads it makes left out of any recording: the store's own, not a computation's. */
function unrecorded<T>(compute: () => T): T {
    answering++;
    try {
        return compute();
    } finally {
        answering--;
    }
}

/**
 * The results (file name to JSON) of `computation` kept by an earlier run whose every input answers
 * as it did, or undefined. Best effort: a store that cannot be read is none.
 */
export function keptResults(computation: string, { store, answers = new Map() }: StoreOptions = {}): Record<string, string> | undefined {
    return unrecorded(() => {
        let dir: string;
        try {
            dir = path.join(store ?? keptResultsDir(), computation);
        } catch {
            return undefined; // No home to keep them in.
        }
        const answersAsBefore = ([kind, what, digest]: Input) => {
            const where = filledIn(kind, what);
            const key = `${kind}\0${where}`;
            if (!answers.has(key)) answers.set(key, answer(kind, where));
            return answers.get(key) === digest;
        };
        for (const name of records(dir)) {
            try {
                const inputs = JSON.parse(readKeptFile(path.join(dir, name))?.toString("utf8") ?? "null") as Input[] | null;
                if (!Array.isArray(inputs) || !inputs.every(answersAsBefore)) continue;
                const results = JSON.parse(readKeptFile(path.join(dir, resultsOf(name)))?.toString("utf8") ?? "null") as Record<string, unknown> | null;
                if (
                    !results ||
                    typeof results !== "object" ||
                    !Object.entries(results).every(([file, result]) => resultName.test(file) && typeof result === "string")
                )
                    continue;
                // Used now: the last to go when records are pruned.
                const now = new Date();
                fs.utimesSync(path.join(dir, name), now, now);
                return Object.fromEntries(Object.entries(results as Record<string, string>).map(([file, result]) => [file, withRootFilledIn(result)]));
            } catch {
                // A damaged record, or one pruned meanwhile: not used.
            }
        }
        return undefined;
    });
}

/**
 * Keeps `results` (file name to JSON) of `computation` under what they were computed from; the least
 * recently used records of that computation beyond a few go. Best effort: a store that cannot be
 * written keeps nothing, and fails nothing.
 */
export function keepResults(computation: string, inputs: Input[], results: Record<string, string>, { store }: StoreOptions = {}): void {
    unrecorded(() => {
        try {
            const dir = path.join(store ?? keptResultsDir(), computation);
            const portableResults: Record<string, string> = {};
            for (const [name, result] of Object.entries(results)) {
                const portable = withRootMarked(result);
                // A result that names the checkout's path otherwise than as a path in it is only for a run from the same path.
                if (portable === undefined) inputs = [...inputs.filter(([kind]) => kind !== "checkout"), ["checkout", "", answer("checkout", "")]];
                portableResults[name] = portable ?? result;
            }
            const id = sha256(JSON.stringify(inputs)).slice(0, 32);
            // The results first: a record is found by its inputs, which then always have their results.
            if (!writeKeptFile(path.join(dir, `${id}.results.json`), JSON.stringify(portableResults))) return;
            writeKeptFile(path.join(dir, `${id}.inputs.json`), JSON.stringify(inputs));
            for (const name of records(dir).slice(keptRecords)) {
                for (const file of [name, resultsOf(name)]) fs.rmSync(path.join(dir, file), { force: true });
            }
        } catch {
            // Nothing kept, or an old record left: the next run computes its results, or prunes it.
        }
    });
}

/** The results' file of a record's inputs file. */
const resultsOf = (inputsFile: string) => inputsFile.replace(/\.inputs\.json$/, ".results.json");

/** The records' input files in `dir`, the most recently used first; none when there is no store. */
function records(dir: string): string[] {
    try {
        return fs
            .readdirSync(dir)
            .filter((name) => name.endsWith(".inputs.json"))
            .map((name) => ({ name, at: fs.statSync(path.join(dir, name), { throwIfNoEntry: false })?.mtimeMs }))
            .filter((record): record is { name: string; at: number } => record.at !== undefined)
            .sort((a, b) => b.at - a.at)
            .map(({ name }) => name);
    } catch {
        return [];
    }
}
