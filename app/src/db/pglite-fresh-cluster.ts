/**
 * A fresh PGlite cluster, as its initdb leaves it, kept in the user's cache by PGlite's version: an
 * in-memory embedded database starts from it (about 0.7 s of CPU) instead of running initdb in
 * WebAssembly (about 2.4 s) every time the shop starts. Nothing of the shop's is in it: the
 * migrations and the seed run on it as on a cluster initdb just made.
 *
 * It is only read when it is this user's own file that nobody else may write (the cache holds a
 * database the shop loads: kept-file.ts), and any failure to read or keep it means initdb, as without it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PGlite, PGliteOptions } from "@electric-sql/pglite";
import { readKeptFile, writeKeptFile } from "../kept-file";

/** A new in-memory PGlite with `options`: from the kept fresh cluster when there is one, else by initdb (and kept). */
export async function createInMemory(options: PGliteOptions): Promise<PGlite> {
    const file = clusterFile();
    const fresh = file && readFreshCluster(file);
    if (fresh) {
        try {
            return await PGlite.create({ ...options, loadDataDir: fresh });
        } catch {
            // A damaged copy (a disk that filled as it was written): initdb, and kept anew.
        }
    }
    const db = await PGlite.create(options);
    if (file) await keepFreshCluster(db, file);
    return db;
}

/** Where the fresh cluster of this PGlite is kept, or undefined when it cannot be (no home, no version found). */
function clusterFile(): string | undefined {
    try {
        // The package's own manifest, beside its entry (its exports do not list package.json).
        const manifest = path.join(path.dirname(require.resolve("@electric-sql/pglite")), "..", "package.json");
        const { version } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string };
        const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
        return path.join(cache, "shop-evolution", `pglite-${version}-fresh-cluster.tar`);
    } catch {
        return undefined;
    }
}

/** The fresh cluster kept in `file`, when there is one that only this user could have written. */
function readFreshCluster(file: string): Blob | undefined {
    const kept = readKeptFile(file);
    return kept && new Blob([kept]);
}

/** Keeps `db`'s cluster in `file` for the next start: to be called before anything is written to it. */
async function keepFreshCluster(db: PGlite, file: string): Promise<void> {
    try {
        writeKeptFile(file, Buffer.from(await (await db.dumpDataDir("none")).arrayBuffer()));
    } catch {
        // Not dumped: the next start runs initdb too.
    }
}
