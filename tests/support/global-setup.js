/**
 * The infra project's global setup: starts one process that computes every (stack, stage)
 * offline plan once for this run, and each mock deployment a suite asks for, into a fresh
 * temporary directory. The plans and deployments of an earlier run are used instead only while
 * everything they were computed from answers as it did (tests/support/kept-results.ts). It does
 * not wait: the suites start at once, and a test waits only for what it reads
 * (tests/support/shared-plans.ts, shared-deployments.ts). The worker, like
 * `npm run plan`, runs compiled JavaScript (tools/compiled.js), rebuilt here first if a source
 * changed, so that the suites that start the plan command find it built too.
 */
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { buildIfStale } = require("../../tools/compiled");

module.exports = async function globalSetup() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-plans-"));
    const root = path.resolve(__dirname, "../..");
    buildIfStale();
    const worker = spawn(process.execPath, [path.join(root, "tools/compiled.js"), "tests/support/plan-worker.ts", dir], {
        cwd: root,
        stdio: ["ignore", "inherit", "inherit"],
        // Not Jest's options; a larger young generation, which the SDK's many short-lived promises fill (about 7% less CPU).
        env: { ...process.env, NODE_OPTIONS: "--max-semi-space-size=64" },
    });
    worker.on("error", (err) => fs.writeFileSync(path.join(dir, "failed"), String(err.message)));
    process.env.SHOP_PLAN_DIR = dir;
    globalThis.__shopPlanWorker = worker;
};
