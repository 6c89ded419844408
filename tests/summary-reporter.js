/**
 * Ends a Jest run with the plain line CI reads: "N passed, N failed" (", N skipped" when some were),
 * after a line saying how many offline plans and mock deployments the run computed, or found kept
 * (each once, shared by the suites: tests/support/global-setup.js).
 */
const fs = require("node:fs");
const path = require("node:path");

class SummaryReporter {
    onRunComplete(_contexts, results) {
        const skipped = results.numPendingTests + results.numTodoTests;
        const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
        // Each project's wall time, from its first suite's start to its last suite's end (the projects overlap).
        const spans = new Map();
        for (const suite of results.testResults) {
            const name = suite.displayName?.name ?? "tests";
            const [start, end] = spans.get(name) ?? [Infinity, 0];
            spans.set(name, [Math.min(start, suite.perfStats.start), Math.max(end, suite.perfStats.end)]);
        }
        const walls = [...spans].map(([name, [start, end]]) => `${name} ${Math.round((end - start) / 1000)} s`);
        if (walls.length > 0) process.stderr.write(`\nwall time: ${walls.join(", ")}, all ${Math.round((Date.now() - results.startTime) / 1000)} s\n`);
        const dir = process.env.SHOP_PLAN_DIR;
        if (dir && fs.existsSync(dir)) {
            const named = (folder, ending) => (fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => f.endsWith(ending)) : []);
            const plans = named(dir, ".json").length;
            // The plan worker's marks (tests/support/plan-worker.ts): its plans, and each deployment and plan of a stack
            // file, are an earlier run's, kept by their inputs, or why they were not kept.
            const unkept = path.join(dir, "plans.unkept");
            const plansPart = fs.existsSync(path.join(dir, "plans.kept"))
                ? `${plans} offline plans kept from an earlier run (every input as it was)`
                : `${plans} offline plans computed${fs.existsSync(unkept) ? ` (the plans not kept: ${fs.readFileSync(unkept, "utf8")})` : ""}`;
            /** "N <many>, K of them kept", with the first reason one was not, for the answers to requests in `folder`. */
            const answered = (folder, one, many) => {
                const where = path.join(dir, folder);
                const count = named(where, ".json").length;
                const unkeptOnes = named(where, ".json.unkept").sort();
                if (count === 0) return `no ${many}`;
                return (
                    `${count} ${count === 1 ? one : many}, ${named(where, ".json.kept").length} of them kept` +
                    (unkeptOnes.length > 0
                        ? ` (${unkeptOnes.length} not kept; ${unkeptOnes[0].replace(/\.json\.unkept$/, "")}: ${fs.readFileSync(path.join(where, unkeptOnes[0]), "utf8")})`
                        : "")
                );
            };
            const parts = [
                plansPart,
                answered("deployments", "deployment", "deployments"),
                answered("config-plans", "plan of a stack file", "plans of stack files"),
            ];
            process.stderr.write(`\n${parts.join("; ")}. Each is shared by every suite that reads it.\n`);
        }
        process.stderr.write(`\n${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
    }
}
module.exports = SummaryReporter;
