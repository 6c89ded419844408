const os = require("node:os");

/** @type {import('jest').Config} */
const common = (name, roots, extra = {}) => ({
    displayName: name,
    testEnvironment: "node",
    roots,
    testMatch: ["**/*.test.ts"],
    // Types stripped by esbuild, each file on its own; `npm run typecheck` does the type check.
    transform: { "^.+\\.ts$": "<rootDir>/tests/support/esbuild-transform.js" },
    // V8's code of each module kept for the worker's later test files (7% of the infra suites' CPU).
    runtime: "<rootDir>/tests/support/code-cached-runtime.js",
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
    // Two workers a core, four at most: a suite spends much of its time waiting on its servers, sockets and timers
    // (a drill's slow client, a lab's processes starting), which more workers on two cores fill. Measured on clean
    // clones of one commit the same hour: three workers 203 s, four 194 s and 188 s, five 188 s. At most four because
    // each worker starts servers of its own (PostgreSQL copies in /dev/shm, OpenSearch heaps, Chromium) and node 20
    // counts a container's CPUs without its quota; `npm test -- --maxWorkers=N` sets another number.
    maxWorkers: Math.min(4, Math.max(1, os.availableParallelism() * 2)),
    testTimeout: 60000,
    reporters: ["default", "<rootDir>/tests/summary-reporter.js"],
};
