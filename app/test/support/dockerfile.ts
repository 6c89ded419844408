/**
 * Carries out a Dockerfile's build on this machine without a Docker engine (none runs here):
 * each stage gets a directory as its filesystem root, WORKDIR and COPY map into it, RUN runs
 * through /bin/sh in it, and COPY --from reads another stage's directory. So the image's real
 * steps are exercised: the lockfile installs, the build compiles, the last stage holds what
 * its command needs and nothing more. What this cannot show is the base image itself: the
 * host's Node.js and libc stand in for it.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface Stage {
    name: string;
    image: string;
    /** The directory that stands for this stage's filesystem root. */
    root: string;
    workdir: string;
    env: Record<string, string>;
    user: string;
    exposed: string[];
    stopSignal?: string;
    healthcheck?: { options: Record<string, string>; command: string[] };
    cmd?: string[];
    labels: Record<string, string>;
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
export function buildDockerfile(dockerfilePath: string, contextDir: string, log: (line: string) => void = () => undefined): Stage[] {
    const args: Record<string, string> = {};
    const stages: Stage[] = [];
    const ignored = ignoreFilter(contextDir);
    const inStage = (stage: Stage, p: string) => path.join(stage.root, path.posix.isAbsolute(p) ? p : path.posix.join(stage.workdir, p));
    const expand = (text: string, env: Record<string, string>) => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => env[a ?? b] ?? args[a ?? b] ?? "");

    for (const { keyword, args: rest } of instructions(fs.readFileSync(dockerfilePath, "utf8"))) {
        const stage = stages[stages.length - 1];
        if (keyword !== "ARG" && keyword !== "FROM" && !stage) throw new Error(`${keyword} before FROM`);
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
                for (const source of words) {
                    const sourcePath = from ? path.join(from.root, source) : path.join(contextDir, source);
                    if (!fs.existsSync(sourcePath)) throw new Error(`COPY ${rest}: ${source} does not exist`);
                    const isDir = fs.statSync(sourcePath).isDirectory();
                    // Docker copies a directory's contents; a file into a directory keeps its name.
                    const target =
                        !isDir && (dest.endsWith("/") || words.length > 1) ? path.join(inStage(stage, dest), path.basename(source)) : inStage(stage, dest);
                    fs.mkdirSync(isDir ? target : path.dirname(target), { recursive: true });
                    fs.cpSync(sourcePath, target, {
                        recursive: true,
                        verbatimSymlinks: true,
                        filter: (p) => from !== undefined || !ignored(path.relative(contextDir, p).split(path.sep).join("/")),
                    });
                }
                break;
            }
            case "RUN":
                log(`[${stage.name}] RUN ${rest}`);
                execFileSync("/bin/sh", ["-c", rest], { cwd: inStage(stage, "."), env: { ...hostEnv(), ...stage.env }, stdio: ["ignore", "pipe", "pipe"] });
                break;
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
    return stages;
}

/** This machine's environment without what the test runner set for itself. */
export function hostEnv(): Record<string, string | undefined> {
    const { NODE_OPTIONS: _runnerOptions, ...env } = process.env;
    return env;
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
