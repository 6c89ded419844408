/**
 * The order Jest runs the test files in: the ones that failed last first, then the slowest first,
 * as Jest's own sequencer orders them, from what the last runs on this machine recorded. Jest
 * keeps that record under a key made of the checkout's absolute path, so every fresh clone started
 * with none, ordered its files by size, and ended with its longest files running alone on one of
 * the two cores (a clean clone's `npm test` took 565 s, its second run 488 s). This record is kept
 * in the user's cache (~/.cache/shop-evolution/test-order.json) by project and path inside the
 * repository, so a new clone starts from it. It only orders: a missing or stale duration changes
 * which file starts when, never what a test sees; `--no-cache` ignores it, as Jest's does.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

const FAILED = 0;
const PASSED = 1;

class TestOrder extends Sequencer {
    constructor(options) {
        super(options);
        this.file = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "shop-evolution", "test-order.json");
        this.record = readRecord(this.file);
    }

    /** A file's entry: its project's name and its path inside the repository, the same in every clone. */
    key(test) {
        const { displayName, rootDir, cache } = test.context.config;
        return cache ? `${displayName?.name ?? ""}:${path.relative(rootDir, test.path)}` : undefined;
    }

    hasFailed(test) {
        return this.entry(test)?.[0] === FAILED;
    }

    time(test) {
        return this.entry(test)?.[1];
    }

    entry(test) {
        const key = this.key(test);
        return key === undefined ? undefined : this.record[key];
    }

    cacheResults(tests, results) {
        const byPath = new Map(tests.map((test) => [test.path, test]));
        let changed = false;
        for (const result of results.testResults) {
            const test = byPath.get(result.testFilePath);
            const key = test && this.key(test);
            if (!key || result.skipped) continue;
            const runtime = result.perfStats.runtime ?? result.perfStats.end - result.perfStats.start;
            this.record[key] = [result.numFailingTests > 0 || result.testExecError ? FAILED : PASSED, runtime || 0];
            changed = true;
        }
        if (changed) writeRecord(this.file, this.record);
    }
}

function readRecord(file) {
    try {
        const record = JSON.parse(fs.readFileSync(file, "utf8"));
        return record && typeof record === "object" && !Array.isArray(record) ? record : {};
    } catch {
        return {}; // none yet, or unreadable: Jest's order by file size
    }
}

/** Written whole and renamed into place: a run that reads it meanwhile sees the old record or the new one. */
function writeRecord(file, record) {
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const next = `${file}.${process.pid}`;
        fs.writeFileSync(next, JSON.stringify(record, null, 1));
        fs.renameSync(next, file);
    } catch {
        // A cache that cannot be written costs the next clone its order, nothing else.
    }
}

module.exports = TestOrder;
