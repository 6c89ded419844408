/**
 * The machine's cache of built trees (support/layer-cache.ts), which the image build and the
 * previous release's test share between runs: a tree is under its key whole, or not at all.
 */
import * as nodeFs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LayerCache } from "./support/layer-cache";

// The module itself (not the test's import of it), as the cache reads it, so that a call can be made to fail.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs: typeof nodeFs = require("node:fs");

describe("the layer cache", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-layer-cache-"));
    });
    afterEach(() => {
        jest.restoreAllMocks();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A tree kept under `key` by an earlier build, last used two hours ago. */
    function keptEarlier(key: string): void {
        const tree = path.join(dir, "tree");
        for (const part of ["first", "second"]) {
            fs.mkdirSync(path.join(tree, part), { recursive: true });
            fs.writeFileSync(path.join(tree, part, "file"), part);
        }
        new LayerCache(path.join(dir, "cache")).save(key, tree);
        const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
        fs.utimesSync(path.join(dir, "cache", key), twoHoursAgo, twoHoursAgo);
        fs.rmSync(tree, { recursive: true });
    }

    it("never shows half a tree under its key while pruning it, and removes what a stopped build left", () => {
        const key = "a".repeat(64);
        keptEarlier(key);
        const cache = path.join(dir, "cache");
        const rmSync = fs.rmSync;
        let foundMidway: string | undefined;
        // Midway through the deletion (where a build that is killed or out of time stops), another build looks for the tree.
        jest.spyOn(fs, "rmSync").mockImplementationOnce((target, options) => {
            rmSync(path.join(String(target), "first"), { recursive: true });
            foundMidway = new LayerCache(cache).lookup(key);
            rmSync(target, options);
        });
        new LayerCache(cache).prune(0);
        expect(foundMidway).toBeUndefined();
        expect(fs.readdirSync(cache)).toEqual([]);

        // A tree half copied, or half deleted, by a build that stopped: removed once an hour old, and no reason to drop a kept tree.
        keptEarlier(key);
        const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
        for (const leftover of [`.partial-${key}-1`, `.pruned-${"b".repeat(64)}-2`]) {
            fs.mkdirSync(path.join(cache, leftover, "first"), { recursive: true });
            fs.utimesSync(path.join(cache, leftover), twoHoursAgo, twoHoursAgo);
        }
        new LayerCache(cache).prune(1);
        expect(fs.readdirSync(cache)).toEqual([key]);
        expect(fs.readFileSync(path.join(cache, key, "second", "file"), "utf8")).toBe("second");
    });
});
