/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/tests"],
    testMatch: ["**/*.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json" }] },
    // Two cores on CI machines: one worker per core.
    maxWorkers: 2,
    testTimeout: 60000,
    reporters: ["default", "<rootDir>/tests/summary-reporter.js"],
};
