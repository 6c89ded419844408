const os = require("node:os");

/** @type {import('jest').Config} */
const common = (name, roots, extra = {}) => ({
    displayName: name,
    testEnvironment: "node",
    roots,
    testMatch: ["**/*.test.ts"],
    // Types stripped by esbuild, each file on its own; `npm run typecheck` does the type check.
    transform: { "^.+\\.ts$": "<rootDir>/tests/support/esbuild-transform.js" },
    // Each module's compiled script kept for the worker's later test files; a file's async local storages disabled after it.
    runtime: "<rootDir>/tests/support/jest-runtime.js",
    ...extra,
});

module.exports = {
    projects: [
        // Every (stack, stage) plan is computed once a run, by a process the global setup starts.
        common("infra", ["<rootDir>/tests"], {
            globalSetup: "<rootDir>/tests/support/global-setup.js",
            globalTeardown: "<rootDir>/tests/support/global-teardown.js",
            setupFiles: ["<rootDir>/tests/support/defer-closure-modules.js"],
        }),
        common("shop", ["<rootDir>/app/test"]),
    ],
    // Slowest first, from the last runs on this machine, in a fresh clone too.
    testSequencer: "<rootDir>/tests/support/test-order.js",
    // A worker and a half a core, three at most: a suite spends part of its time waiting on its servers, sockets and
    // timers, which a third worker on two cores fills (Jest 179-188 s instead of 205 s, measured back to back; a fourth
    // gained 2 s more then, and nothing later: `npm test` 193 s and 165 s against three's 174 s and 163 s, alternated on
    // clean clones of one commit). At most three because each worker starts servers of its own (PostgreSQL copies in /dev/shm,
    // OpenSearch heaps, Chromium) and node 20 counts a container's CPUs without its quota; `npm test -- --maxWorkers=N`
    // sets another number. Worked out here: Jest reads "150%" as 150 workers.
    maxWorkers: Math.min(3, Math.max(1, Math.floor(os.availableParallelism() * 1.5))),
    testTimeout: 60000,
    reporters: ["default", "<rootDir>/tests/summary-reporter.js"],
};
