/** Stops the plan worker if a short run did not need all its plans, and removes the run's plans. */
const fs = require("node:fs");

module.exports = async function globalTeardown() {
    const worker = globalThis.__shopPlanWorker;
    if (worker && worker.exitCode === null) worker.kill("SIGKILL");
    const dir = process.env.SHOP_PLAN_DIR;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
