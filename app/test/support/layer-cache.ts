/**
 * Directory trees kept on the machine under a key that chains everything they were made from, so
 * that the same inputs are not built twice. The image build (support/dockerfile.ts) keeps each
 * RUN step's result, as a Docker engine does: its key chains the base image, every instruction
 * before it with its arguments, and the content of every file COPY brought in, so any change to
 * the lockfile, a manifest, the sources or the Dockerfile makes every step from there on run for
 * real. The previous release's test keeps that release's install, by its manifests and lockfile.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The machine's cache named `name`, in the user's cache folder (~/.cache/shop-evolution/<name>): kept between runs and checkouts. */
export function machineCache(name: string): LayerCache {
    return new LayerCache(path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "shop-evolution", name));
}

/** This machine's Node.js and npm, which an install made here depends on: a part of every key of what they made. */
export function hostToolchain(): string {
    return `${process.version} npm ${execFileSync("npm", ["--version"], { encoding: "utf8" }).trim()}`;
}

/** The key after one more input: `previous` chained with `parts`. */
export function chainKey(previous: string, ...parts: string[]): string {
    const hash = createHash("sha256").update(previous);
    for (const part of parts) hash.update("\0").update(part);
    return hash.digest("hex");
}

/** The content of `source` as COPY takes it (paths, modes, bytes, symbolic links' targets), files that `skip` names left out. */
export function treeDigest(source: string, skip: (file: string) => boolean = () => false): string {
    const hash = createHash("sha256");
    const visit = (file: string, relative: string) => {
        if (skip(file)) return;
        const stat = fs.lstatSync(file);
        hash.update(`${relative}\0${stat.mode}\0`);
        if (stat.isSymbolicLink()) hash.update(fs.readlinkSync(file));
        else if (stat.isFile()) hash.update(fs.readFileSync(file));
        else if (stat.isDirectory()) for (const name of fs.readdirSync(file).sort()) visit(path.join(file, name), `${relative}/${name}`);
        hash.update("\0");
    };
    visit(source, ".");
    return hash.digest("hex");
}

export class LayerCache {
    /** The keys this build used or made: the newest the pruning keeps. */
    private readonly used = new Set<string>();

    constructor(readonly dir: string) {
        fs.mkdirSync(dir, { recursive: true });
    }

    /** Where the tree kept for `key` is, or undefined when none is kept. */
    lookup(key: string): string | undefined {
        const kept = path.join(this.dir, key);
        const now = new Date();
        try {
            fs.utimesSync(kept, now, now);
        } catch {
            return undefined; // None kept, or another build pruned it since.
        }
        this.used.add(key);
        return kept;
    }

    /**
     * Keeps `root` as the tree of `key`: copied aside, then renamed into place whole, so that no build
     * restores half of one. With `link`, as hard links (a hundredth of the time): only for a tree that
     * nothing will write into again, since a write into a linked file would change the kept one.
     */
    save(key: string, root: string, options: { link?: boolean } = {}): void {
        const partial = path.join(this.dir, `.partial-${key}-${process.pid}`);
        fs.rmSync(partial, { recursive: true, force: true });
        execFileSync("cp", [options.link ? "-al" : "-a", root, partial]);
        try {
            fs.renameSync(partial, path.join(this.dir, key));
        } catch {
            // Another build kept the same step first: theirs is as good.
            fs.rmSync(partial, { recursive: true, force: true });
        }
        this.used.add(key);
    }

    /**
     * Drops what no recent build used: every tree but this build's and the `keep` newest others, so
     * that a tree made for sources that changed since does not stay, and what a build that stopped
     * part-way left (a tree half copied or half deleted). One used within the last hour stays:
     * another build may be copying it, or writing it, now.
     */
    prune(keep = 4): void {
        const entries = fs
            .readdirSync(this.dir)
            .filter((name) => !this.used.has(name))
            // Another build may be pruning too: what it removed meanwhile is no longer there.
            .flatMap((name) => {
                const stat = fs.statSync(path.join(this.dir, name), { throwIfNoEntry: false });
                return stat ? [{ name, mtime: stat.mtimeMs }] : [];
            })
            .sort((a, b) => b.mtime - a.mtime);
        const leftovers = entries.filter(({ name }) => name.startsWith("."));
        const unused = [...leftovers, ...entries.filter(({ name }) => !name.startsWith(".")).slice(keep)];
        for (const { name, mtime } of unused) {
            if (Date.now() - mtime <= 3600_000) continue;
            // Out of the keys' names first, in one step: a build stopped while deleting leaves no half tree under a key.
            const doomed = name.startsWith(".") ? name : `.pruned-${name}-${process.pid}`;
            try {
                if (doomed !== name) fs.renameSync(path.join(this.dir, name), path.join(this.dir, doomed));
            } catch {
                continue; // Another build pruned it first.
            }
            try {
                fs.rmSync(path.join(this.dir, doomed), { recursive: true, force: true });
            } catch {
                // Another build is deleting it too (a leftover): the next pruning finds what remains.
            }
        }
    }
}
