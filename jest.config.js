/** @type {import('jest').Config} */
const common = (name, tsconfig, roots) => ({
    displayName: name,
    testEnvironment: "node",
    roots,
    testMatch: ["**/*.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig }] },
});

module.exports = {
    projects: [
        common("infra", "<rootDir>/tsconfig.jest.json", ["<rootDir>/tests"]),
        common("shop", "<rootDir>/app/tsconfig.jest.json", ["<rootDir>/app/test"]),
    ],
    // Two cores on CI machines: one worker per core.
    maxWorkers: 2,
    testTimeout: 60000,
    reporters: ["default", "<rootDir>/tests/summary-reporter.js"],
};
