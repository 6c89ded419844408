/**
 * Carries out a Dockerfile's build on this machine without a Docker engine (none runs here):
 * each stage gets a directory as its filesystem root, WORKDIR and COPY map into it, RUN runs
 * through /bin/sh in it, and COPY --from reads another stage's directory. So the image's real
 * steps are exercised: the lockfile installs, the build compiles, the last stage holds what
 * its command needs and nothing more. What this cannot show is the base image itself: the
 * host's Node.js and libc stand in for it. With a layer cache (support/layer-cache.ts), a RUN
 * step whose inputs are all the same as a kept one's is copied back instead of run.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chainKey, hostToolchain, LayerCache, treeDigest } from "./layer-cache";

export interface Stage {
    name: string;
    image: string;
    /**
     * The directory that stands for this stage's filesystem root. The image's (the last stage) is
     * whole; an earlier stage that the layer cache gave back holds there only what was copied into
     * it after its last cached step, the rest being read from the cache by COPY --from.
     */
    root: string;
    workdir: string;
    env: Record<string, string>;
    user: string;
    exposed: string[];
    stopSignal?: string;
    healthcheck?: { options: Record<string, string>; command: string[] };
    cmd?: string[];
    labels: Record<string, string>;
    /** What this stage's filesystem stands on so far: the base, every instruction, every file copied in. */
    key: string;
    /** The RUN steps that the layer cache gave back instead of running them. */
    cached: string[];
    /** The kept tree of its last cached step, when its root does not hold it (yet). */
    kept?: string;
}

/** Puts a stage's kept tree under what was copied into its root since, so that the root is its whole filesystem. */
function materialize(stage: Stage): void {
    if (!stage.kept) return;
    const since = fs.mkdtempSync(path.join(os.tmpdir(), "shop-image-since-"));
    execFileSync("cp", ["-a", `${stage.root}/.`, since]);
    emptyDir(stage.root);
    execFileSync("cp", ["-a", `${stage.kept}/.`, stage.root]);
    execFileSync("cp", ["-a", `${since}/.`, stage.root]);
    fs.rmSync(since, { recursive: true, force: true });
    stage.kept = undefined;
}

function emptyDir(dir: string): void {
    for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
}

/** The instructions, one a line: continuations joined, comments and blank lines dropped. */
export function instructions(dockerfile: string): { keyword: string; args: string }[] {
    const logical: string[] = [];
    let current = "";
    for (const raw of dockerfile.split("\n")) {
        const line = raw.trimEnd();
        if (current === "" && (line.trim() === "" || line.trim().startsWith("#"))) continue;
        if (line.endsWith("\\")) {
            current += `${line.slice(0, -1)} `;
            continue;
        }
        logical.push(current + line);
        current = "";
    }
    return logical.map((line) => {
        const [, keyword, args] = line.trim().match(/^(\S+)\s*(.*)$/s)!;
        return { keyword: keyword.toUpperCase(), args: args.trim() };
    });
}

/** `.dockerignore` patterns as a test on a context-relative path. */
function ignoreFilter(contextDir: string): (relative: string) => boolean {
    const file = path.join(contextDir, ".dockerignore");
    const patterns = fs.existsSync(file)
        ? fs
              .readFileSync(file, "utf8")
              .split("\n")
              .map((l) => l.trim())
              .filter((l) => l && !l.startsWith("#"))
        : [];
    const regexes = patterns.map(
        (p) =>
            new RegExp(
                `^${p
                    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                    .replace(/\*\*\//g, "(.*/)?")
                    .replace(/\*/g, "[^/]*")}(/.*)?$`,
            ),
    );
    return (relative) => regexes.some((r) => r.test(relative));
}

function jsonArray(text: string, what: string): string[] {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string")) throw new Error(`${what}: expected the exec form, a JSON array of strings`);
    return parsed;
}

/** Builds every stage in a temporary directory; returns them in order, the image's stage last. */
export function buildDockerfile(dockerfilePath: string, contextDir: string, options: { cache?: LayerCache; log?: (line: string) => void } = {}): Stage[] {
    const { cache, log = () => undefined } = options;
    // The host's Node.js and npm stand in for the base image's: a step they ran is theirs.
    const host = cache ? hostToolchain() : "";
    const args: Record<string, string> = {};
    const stages: Stage[] = [];
    const ignored = ignoreFilter(contextDir);
    const inStage = (stage: Stage, p: string) => path.join(stage.root, path.posix.isAbsolute(p) ? p : path.posix.join(stage.workdir, p));
    const expand = (text: string, env: Record<string, string>) => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => env[a ?? b] ?? args[a ?? b] ?? "");

    const steps = instructions(fs.readFileSync(dockerfilePath, "utf8"));
    /** Whether a RUN comes after step `i` in its stage: until then, what is in the stage may still change in place. */
    const runFollows = (i: number) => {
        for (const { keyword } of steps.slice(i + 1)) if (keyword === "FROM" || keyword === "RUN") return keyword === "RUN";
        return false;
    };
    for (const [i, { keyword, args: rest }] of steps.entries()) {
        const stage = stages[stages.length - 1];
        if (keyword !== "ARG" && keyword !== "FROM" && !stage) throw new Error(`${keyword} before FROM`);
        if (stage && keyword !== "FROM" && keyword !== "COPY") stage.key = chainKey(stage.key, keyword, rest);
        switch (keyword) {
            case "ARG": {
                const [name, value = ""] = rest.split(/=(.*)/s);
                if (!(name in args)) args[name] = value;
                break;
            }
            case "FROM": {
                const [image, as, name] = expand(rest, {}).split(/\s+/);
                const root = fs.mkdtempSync(path.join(os.tmpdir(), "shop-image-"));
                fs.chmodSync(root, 0o755);
                stages.push({
                    name: as?.toUpperCase() === "AS" ? name : String(stages.length),
                    image,
                    root,
                    workdir: "/",
                    env: {},
                    user: "root",
                    exposed: [],
                    labels: {},
                    key: chainKey("", "FROM", image, host),
                    cached: [],
                });
                break;
            }
            case "WORKDIR":
                stage.workdir = path.posix.resolve(stage.workdir, expand(rest, stage.env));
                fs.mkdirSync(inStage(stage, "."), { recursive: true });
                break;
            case "ENV":
                for (const [, key, quoted, plain] of rest.matchAll(/(\w+)=(?:"([^"]*)"|(\S*))/g)) stage.env[key] = quoted ?? plain;
                break;
            case "COPY": {
                const words = rest.split(/\s+/);
                const fromName = words[0].startsWith("--from=") ? words.shift()!.slice("--from=".length) : undefined;
                const from = fromName === undefined ? undefined : stages.find((s) => s.name === fromName);
                if (fromName !== undefined && !from) throw new Error(`COPY ${rest}: no stage named ${fromName} before this one`);
                if (words.some((w) => w.startsWith("--"))) throw new Error(`COPY ${rest}: options other than --from are not supported here`);
                const dest = words.pop()!;
                const skip = (p: string) => from === undefined && ignored(path.relative(contextDir, p).split(path.sep).join("/"));
                // A cached stage is read in its kept tree, unless something was copied into it since.
                if (from?.kept && words.some((source) => fs.existsSync(path.join(from.root, source)))) materialize(from);
                for (const source of words) {
                    const sourcePath = from ? path.join(from.kept ?? from.root, source) : path.join(contextDir, source);
                    if (!fs.existsSync(sourcePath)) throw new Error(`COPY ${rest}: ${source} does not exist`);
                    stage.key = chainKey(stage.key, "COPY", rest, source, from ? from.key : treeDigest(sourcePath, skip));
                    const isDir = fs.statSync(sourcePath).isDirectory();
                    // Docker copies a directory's contents; a file into a directory keeps its name.
                    const target =
                        !isDir && (dest.endsWith("/") || words.length > 1) ? path.join(inStage(stage, dest), path.basename(source)) : inStage(stage, dest);
                    fs.mkdirSync(isDir ? target : path.dirname(target), { recursive: true });
                    // From a stage, whole (cp: node's copy is ten times slower on a node_modules). From a kept tree into a stage that
                    // runs nothing more, as hard links: nothing writes to those files. Every COPY replaces a file where one is (it
                    // never writes into it), so that a linked file, here or kept, is never changed.
                    if (from)
                        execFileSync("cp", [
                            from.kept && !runFollows(i) ? "-al" : "-a",
                            "--remove-destination",
                            isDir ? `${sourcePath}/.` : sourcePath,
                            target,
                        ]);
                    else
                        fs.cpSync(sourcePath, target, {
                            recursive: true,
                            verbatimSymlinks: true,
                            filter: (src, dst) => {
                                if (skip(src)) return false;
                                if (fs.lstatSync(dst, { throwIfNoEntry: false })?.isFile()) fs.unlinkSync(dst);
                                return true;
                            },
                        });
                }
                break;
            }
            case "RUN": {
                const kept = cache?.lookup(stage.key);
                if (kept) {
                    // Its tree holds everything up to here: the root is emptied, and filled only if a later step needs it.
                    log(`[${stage.name}] RUN ${rest} (cached)`);
                    stage.cached.push(rest);
                    stage.kept = kept;
                    emptyDir(stage.root);
                    break;
                }
                materialize(stage);
                log(`[${stage.name}] RUN ${rest}`);
                execFileSync("/bin/sh", ["-c", rest], { cwd: inStage(stage, "."), env: { ...hostEnv(), ...stage.env }, stdio: ["ignore", "pipe", "pipe"] });
                // The stage's last step is kept as hard links: after it only COPY writes there, and it replaces files.
                cache?.save(stage.key, stage.root, { link: !runFollows(i) });
                break;
            }
            case "USER":
                stage.user = rest;
                break;
            case "EXPOSE":
                stage.exposed.push(...rest.split(/\s+/));
                break;
            case "LABEL":
                for (const [, key, quoted, plain] of rest.matchAll(/([\w.-]+)=(?:"([^"]*)"|(\S*))/g)) stage.labels[key] = expand(quoted ?? plain, stage.env);
                break;
            case "STOPSIGNAL":
                stage.stopSignal = rest;
                break;
            case "HEALTHCHECK": {
                const at = rest.indexOf(" CMD ");
                if (at < 0) throw new Error("HEALTHCHECK: expected options then CMD [...]");
                const options = Object.fromEntries([...rest.slice(0, at).matchAll(/--([\w-]+)=(\S+)/g)].map(([, k, v]) => [k, v]));
                stage.healthcheck = { options, command: jsonArray(rest.slice(at + 5).trim(), "HEALTHCHECK CMD") };
                break;
            }
            case "CMD":
                stage.cmd = jsonArray(rest, "CMD");
                break;
            default:
                throw new Error(`${keyword}: not an instruction this build knows`);
        }
    }
    if (stages.length > 0) materialize(stages[stages.length - 1]);
    cache?.prune();
    return stages;
}

/** This machine's environment without what the test runner set for itself. */
export function hostEnv(): Record<string, string | undefined> {
    // npm's own variables too (`npm test` sets npm_config_*): a RUN step's `npm ci` would read them, which no image build
    // sees, and which the layer cache's key does not hold.
    const { NODE_OPTIONS: _runnerOptions, ...env } = process.env;
    return Object.fromEntries(Object.entries(env).filter(([name]) => !name.toLowerCase().startsWith("npm_")));
}

/** The size of a directory tree in bytes (symbolic links not followed). */
export function treeSize(dir: string): number {
    let total = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) total += treeSize(full);
        else if (entry.isFile()) total += fs.statSync(full).size;
    }
    return total;
}
