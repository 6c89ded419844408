/**
 * The infra project's global setup: starts one process that computes every (stack, stage)
 * offline plan once for this run, into a fresh temporary directory (nothing is kept between
 * runs, so no plan can be stale). It does not wait: the suites start at once, and a test
 * waits only for the plans it reads (tests/support/shared-plans.ts).
 */
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

module.exports = async function globalSetup() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-plans-"));
    const root = path.resolve(__dirname, "../..");
    const worker = spawn(process.execPath, [require.resolve("tsx/cli", { paths: [root] }), path.join(__dirname, "plan-worker.ts"), dir], {
        cwd: root,
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...process.env, NODE_OPTIONS: "" },
    });
    worker.on("error", (err) => fs.writeFileSync(path.join(dir, "failed"), String(err.message)));
    process.env.SHOP_PLAN_DIR = dir;
    globalThis.__shopPlanWorker = worker;
};
