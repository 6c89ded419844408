import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const TestOrder = require("./support/test-order.js");

/** A test file as Jest's sequencer sees it, in the clone at `rootDir`. */
function testFile(rootDir: string, relative: string, size = 100, project = "shop", cache = true) {
    const file = path.join(rootDir, relative);
    return { path: file, context: { config: { displayName: { name: project }, rootDir, cache }, hasteFS: { getSize: () => size } } };
}

/** What Jest reports of a finished file. */
const result = (test: { path: string }, runtime: number, failing = 0) => ({
    testFilePath: test.path,
    skipped: false,
    numFailingTests: failing,
    perfStats: { runtime },
});

describe("the order Jest runs the test files in (tests/support/test-order.js)", () => {
    let cacheHome: string;
    let saved: string | undefined;
    beforeEach(() => {
        cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), "test-order-"));
        saved = process.env.XDG_CACHE_HOME;
        process.env.XDG_CACHE_HOME = cacheHome;
    });
    afterEach(() => {
        if (saved === undefined) delete process.env.XDG_CACHE_HOME;
        else process.env.XDG_CACHE_HOME = saved;
        fs.rmSync(cacheHome, { recursive: true, force: true });
    });

    it("orders a fresh clone by the durations another clone recorded: failed first, then slowest first", () => {
        const first = ["a.test.ts", "b.test.ts", "c.test.ts", "d.test.ts"].map((f) => testFile("/clones/one", `app/test/${f}`));
        new TestOrder({}).cacheResults(first, {
            testResults: [result(first[0], 5_000), result(first[1], 90_000), result(first[2], 20_000), result(first[3], 1_000, 1)],
        });

        const fresh = ["a.test.ts", "b.test.ts", "c.test.ts", "d.test.ts"].map((f) => testFile("/clones/two", `app/test/${f}`));
        const order = new TestOrder({}).sort([...fresh]).map((t: { path: string }) => path.basename(t.path));
        expect(order).toEqual(["d.test.ts", "b.test.ts", "c.test.ts", "a.test.ts"]);
    });

    it("keeps each project's files apart, and the files a partial run did not run", () => {
        const infra = testFile("/clones/one", "tests/x.test.ts", 100, "infra");
        const shop = testFile("/clones/one", "app/test/y.test.ts", 100, "shop");
        new TestOrder({}).cacheResults([infra], { testResults: [result(infra, 30_000)] });
        new TestOrder({}).cacheResults([shop], { testResults: [result(shop, 2_000)] });
        const order = new TestOrder({});
        expect([order.time(infra), order.time(shop)]).toEqual([30_000, 2_000]);
        expect(order.time(testFile("/clones/one", "tests/x.test.ts", 100, "shop"))).toBeUndefined();
    });

    it("without a record (or with a broken one, or under --no-cache) falls back to Jest's order by file size", () => {
        const small = testFile("/clones/one", "tests/small.test.ts", 10);
        const big = testFile("/clones/one", "tests/big.test.ts", 10_000);
        expect(new TestOrder({}).sort([small, big]).map((t: { path: string }) => t.path)).toEqual([big.path, small.path]);

        fs.mkdirSync(path.join(cacheHome, "shop-evolution"), { recursive: true });
        fs.writeFileSync(path.join(cacheHome, "shop-evolution", "test-order.json"), "{ not json");
        expect(new TestOrder({}).sort([small, big]).map((t: { path: string }) => t.path)).toEqual([big.path, small.path]);

        new TestOrder({}).cacheResults([small, big], { testResults: [result(small, 60_000), result(big, 1_000)] });
        const uncached = [small, big].map((t) => ({ ...t, context: { ...t.context, config: { ...t.context.config, cache: false } } }));
        expect(new TestOrder({}).sort(uncached).map((t: { path: string }) => t.path)).toEqual([big.path, small.path]);
        expect(new TestOrder({}).sort([small, big]).map((t: { path: string }) => t.path)).toEqual([small.path, big.path]);
    });
});
