/**
 * The checks that passed on this machine, each by a key that hashes everything its result depends
 * on (a file's content, the local files its types come from, the installed packages, the
 * configuration), kept in the user's cache so that a fresh clone of a commit checked here before
 * does not check it again. Only a clean result is kept: a file with any problem is checked, and its
 * problems reported, every time.
 *
 * The file is read only when it is this user's own, which nobody else could have written
 * (app/src/kept-file.ts): a planted key would pass a file unchecked.
 */
import * as os from "node:os";
import * as path from "node:path";
import { readKeptFile, writeKeptFile } from "../../app/src/kept-file";

/** How many keys are kept, the most recently used: a few commits' worth of every file and check. */
const keptKeys = 20_000;

export class PassedChecks {
    private readonly usedAt: Map<string, number>;
    private changed = false;

    constructor(private readonly file = defaultFile()) {
        let entries: [string, number][] = [];
        try {
            const parsed: unknown = JSON.parse(readKeptFile(file)?.toString("utf8") ?? "{}");
            if (parsed && typeof parsed === "object") entries = Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === "number");
        } catch {
            // A damaged record: every check runs, and the record starts anew.
        }
        this.usedAt = new Map(entries);
    }

    /** Whether `key` passed before; a key asked for is kept as recently used. */
    has(key: string): boolean {
        if (!this.usedAt.has(key)) return false;
        this.usedAt.set(key, Date.now());
        this.changed = true;
        return true;
    }

    add(key: string): void {
        this.usedAt.set(key, Date.now());
        this.changed = true;
    }

    /** Writes the record back (whole, or not at all), keeping the most recently used keys. */
    save(): void {
        if (!this.changed) return;
        const newest = [...this.usedAt].sort((a, b) => b[1] - a[1]).slice(0, keptKeys);
        writeKeptFile(this.file, JSON.stringify(Object.fromEntries(newest)));
    }
}

function defaultFile(): string {
    const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
    return path.join(cache, "shop-evolution", "passed-checks.json");
}
