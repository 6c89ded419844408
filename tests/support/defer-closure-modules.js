/**
 * Jest's setup of every infra test file. The Pulumi SDK requires TypeScript's compiler and npm's
 * package-tree reader as it loads, to serialize closures, which no program here does
 * (tools/compiled.js: `usedOnlyForClosures`); and each test file loads the SDK afresh, in a module
 * registry of its own. Compiling those two was half of that load (870 ms of CPU a file, 450 ms
 * without them): in each file's registry they are stand-ins that load the real module at its
 * first use, as the compiled tools do.
 */
const { exportsOnFirstUse, usedOnlyForClosures } = require("../../tools/compiled");

for (const [name] of usedOnlyForClosures) jest.mock(name, () => exportsOnFirstUse(() => jest.requireActual(name)));
