/** Stops the plan worker if a short run did not need all its plans, and removes the run's plans. */
const fs = require("node:fs");

module.exports = async function globalTeardown() {
    const worker = globalThis.__shopPlanWorker;
    if (worker && worker.exitCode === null && worker.signalCode === null) {
        const exited = new Promise((resolve) => worker.once("exit", resolve));
        worker.kill("SIGKILL");
        await exited;
    }
    const dir = process.env.SHOP_PLAN_DIR;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
