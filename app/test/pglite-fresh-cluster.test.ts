/**
 * The embedded default's fresh cluster (src/db/pglite-fresh-cluster.ts): the first in-memory start
 * keeps what initdb made, the next ones start from it, each with a database of its own; a copy
 * someone else could have written, or a damaged one, is never loaded.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Database, pgliteDatabase } from "../src/db/database";

describe("the embedded default's fresh cluster, kept in the user's cache", () => {
    let cache: string;
    let saved: string | undefined;
    const kept = (inCache = cache) => {
        const dir = path.join(inCache, "shop-evolution");
        const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
        return files.map((f) => path.join(dir, f));
    };
    /** The cache of a first start (initdb runs in WebAssembly: seconds), which later tests start from or plant copies of. */
    let firstCache: string;
    let first: Database;

    beforeAll(async () => {
        firstCache = fs.mkdtempSync(path.join(os.tmpdir(), "pglite-cache-"));
        const saved = process.env.XDG_CACHE_HOME;
        process.env.XDG_CACHE_HOME = firstCache;
        try {
            first = await pgliteDatabase();
        } finally {
            if (saved === undefined) delete process.env.XDG_CACHE_HOME;
            else process.env.XDG_CACHE_HOME = saved;
        }
    }, 60_000);
    afterAll(async () => {
        await first?.close();
        fs.rmSync(firstCache, { recursive: true, force: true });
    });
    beforeEach(() => {
        saved = process.env.XDG_CACHE_HOME;
        cache = fs.mkdtempSync(path.join(os.tmpdir(), "pglite-cache-"));
        process.env.XDG_CACHE_HOME = cache;
    });
    afterEach(() => {
        if (saved === undefined) delete process.env.XDG_CACHE_HOME;
        else process.env.XDG_CACHE_HOME = saved;
        fs.rmSync(cache, { recursive: true, force: true });
    });

    it("is kept by the first start, readable by this user only, and each later start has a database of its own", async () => {
        process.env.XDG_CACHE_HOME = firstCache;
        await first.query("CREATE TABLE left_by_the_first (id int)");
        const [file] = kept(firstCache);
        expect(path.basename(file)).toMatch(/^pglite-\d+\.\d+\.\d+-fresh-cluster\.tar$/);
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        const madeAt = fs.statSync(file).mtimeMs;
        const second = await pgliteDatabase();
        // From the fresh cluster: none of the first's tables, and the cluster kept as it was.
        expect((await second.query("SELECT to_regclass('left_by_the_first') AS t")).rows).toEqual([{ t: null }]);
        await second.query("CREATE EXTENSION IF NOT EXISTS pg_trgm");
        expect((await second.query<{ s: number }>("SELECT similarity('kettle', 'kettles') > 0.5 AS s")).rows).toEqual([{ s: true }]);
        expect(fs.statSync(file).mtimeMs).toBe(madeAt);
        await second.close();
    }, 60_000);

    it("is not kept where it cannot be (a cache that is not a folder, or not this user's), and the shop starts all the same", async () => {
        const notAFolder = path.join(cache, "a-file");
        fs.writeFileSync(notAFolder, "");
        process.env.XDG_CACHE_HOME = notAFolder;
        const db = await pgliteDatabase();
        expect((await db.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
        await db.close();
    }, 60_000);

    describe("a copy planted in its place", () => {
        /** The name a start keeps its fresh cluster under, and that cluster, from one first start made for the tests that plant their own. */
        let keptName: string;
        let freshCluster: Buffer<ArrayBuffer>;
        beforeAll(() => {
            const dir = path.join(firstCache, "shop-evolution");
            [keptName] = fs.readdirSync(dir);
            freshCluster = fs.readFileSync(path.join(dir, keptName));
        });
        /** `contents` where a start looks for its fresh cluster, mode 0600 unless `mode` says otherwise. */
        const plant = (contents: Buffer | string, mode = 0o600) => {
            const file = path.join(cache, "shop-evolution", keptName);
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, contents);
            fs.chmodSync(file, mode);
            return file;
        };
        /** A start after a copy was refused: it ran initdb and kept a whole cluster anew, for this user only. */
        const expectKeptAnew = (file: string) => {
            const stat = fs.statSync(file);
            expect([stat.size > 1024 * 1024, stat.mode & 0o777, stat.uid]).toEqual([true, 0o600, process.getuid?.()]);
        };

        it("is not loaded, whole and valid as it may be, when another user wrote it or could have: initdb, and kept anew", async () => {
            // A valid cluster with a table of its own in the copy's place: a start that loaded it would see the table.
            const planted = await PGlite.create({ loadDataDir: new Blob([freshCluster]) });
            await planted.query("CREATE TABLE planted (id int)");
            const cluster = Buffer.from(await (await planted.dumpDataDir("none")).arrayBuffer());
            await planted.close();
            const seesPlanted = async () => {
                const db = await pgliteDatabase();
                const { rows } = await db.query("SELECT to_regclass('planted') IS NOT NULL AS seen");
                await db.close();
                return rows;
            };
            // Planted as this user's own, it is loaded: the place is the one a start reads.
            plant(cluster);
            expect(await seesPlanted()).toEqual([{ seen: true }]);
            // Writable by anyone: refused, as one of another user is (kept-file.test.ts has every case of whose a file is).
            const file = plant(cluster, 0o666);
            expect(await seesPlanted()).toEqual([{ seen: false }]);
            expectKeptAnew(file);
        }, 60_000);

        it("is not loaded when it is damaged: initdb, and kept anew", async () => {
            const file = plant("a damaged copy");
            const db = await pgliteDatabase();
            expect((await db.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
            await db.close();
            expectKeptAnew(file);
        }, 60_000);
    });
});
