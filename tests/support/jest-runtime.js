/**
 * Jest's runtime for this project's suites: each module's compiled script kept for the worker's
 * later test files (code-cached-runtime.js), and the AsyncLocalStorages a test file used disabled
 * when the file is done (async-storage-per-file.js).
 */
const Runtime = require("./code-cached-runtime");
const { disableStoragesAtTeardown } = require("./async-storage-per-file");

disableStoragesAtTeardown(Runtime);

module.exports = Runtime;
