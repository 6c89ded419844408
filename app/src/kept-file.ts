/**
 * Files the shop keeps between its starts to start faster (a fresh PGlite cluster, compiled
 * schemas), which a later start loads and runs. One is only read when it is this user's own
 * regular file that nobody else may write, in a directory that is this user's own and that nobody
 * else may write either (else another user could rename a kept file over another one, or plant
 * one). It is written aside (a new file of a random name, never through a link) then renamed, so
 * that a process starting meanwhile reads a whole file or none. Keeping is best effort: a file
 * that cannot be read or written is made again, as without it.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Whether `stat` is of this user's, and nobody else may write to it. */
function ownAndPrivate(stat: fs.Stats): boolean {
    return stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
}

/** The content of `file`, when there is one that only this user could have written. */
// Typed by inference: the Buffer readFileSync gives, which a Blob takes as it is.
export function readKeptFile(file: string) {
    try {
        const dir = fs.lstatSync(path.dirname(file));
        if (!dir.isDirectory() || !ownAndPrivate(dir)) return undefined;
        const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
        try {
            const stat = fs.fstatSync(fd);
            if (!stat.isFile() || !ownAndPrivate(stat)) return undefined;
            return fs.readFileSync(fd);
        } finally {
            fs.closeSync(fd);
        }
    } catch {
        return undefined;
    }
}

/** Writes `data` to `file` (readable by this user alone); false when it could not be kept. */
export function writeKeptFile(file: string, data: string | Uint8Array): boolean {
    const partial = `${file}.${randomUUID()}`;
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        fs.writeFileSync(partial, data, { mode: 0o600, flag: "wx" });
        fs.renameSync(partial, file);
        return true;
    } catch {
        try {
            fs.rmSync(partial, { force: true });
        } catch {
            // Nor anything of it there to remove.
        }
        return false;
    }
}
