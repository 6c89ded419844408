/** @type {import('jest').Config} */
const common = (name, tsconfig, roots, extra = {}) => ({
    displayName: name,
    testEnvironment: "node",
    roots,
    testMatch: ["**/*.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig }] },
    ...extra,
});

module.exports = {
    projects: [
        // Every (stack, stage) plan is computed once a run, by a process the global setup starts.
        common("infra", "<rootDir>/tsconfig.jest.json", ["<rootDir>/tests"], {
            globalSetup: "<rootDir>/tests/support/global-setup.js",
            globalTeardown: "<rootDir>/tests/support/global-teardown.js",
            setupFiles: ["<rootDir>/tests/support/defer-closure-modules.js"],
        }),
        common("shop", "<rootDir>/app/tsconfig.jest.json", ["<rootDir>/app/test"]),
    ],
    // Slowest first, from the last runs on this machine, in a fresh clone too.
    testSequencer: "<rootDir>/tests/support/test-order.js",
    // Two cores on CI machines: one worker per core.
    maxWorkers: 2,
    testTimeout: 60000,
    reporters: ["default", "<rootDir>/tests/summary-reporter.js"],
};
