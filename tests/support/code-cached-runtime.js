/**
 * Jest's runtime, with V8's compiled code of each module kept for the worker's later test files.
 * Jest gives every test file modules of its own, so each file compiled again every module it loads
 * (the Pulumi SDK and its protobuf code, Fastify, the shop's modules): a fifth of an infrastructure
 * suite's CPU. The code V8 made of a module's source the first time is handed to the next compile of
 * that same source (its text compared whole), which V8 checks against the source and its own version
 * and flags, and compiles afresh when they differ. It only skips parsing: every file still runs its
 * modules, in a context of its own, as before. A module that calls `import()` is always compiled
 * afresh (below).
 */
const vm = require("node:vm");
const Runtime = require("jest-runtime").default;

const compileFunction = vm.compileFunction;
/** By file: the source compiled, with its parameters, and V8's code for it. */
const compiled = new Map();

vm.compileFunction = function compileWithKeptCode(code, params, options) {
    // A function made from kept code loses the module's callback for `import()` (node 20): such a module is compiled afresh.
    if (!options?.filename || options.cachedData !== undefined || options.produceCachedData !== undefined || /\bimport\s*\(/.test(code))
        return compileFunction(code, params, options);
    const kept = compiled.get(options.filename);
    if (kept?.code === code && kept.params === String(params)) {
        const fn = compileFunction(code, params, { ...options, cachedData: kept.data });
        if (!fn.cachedDataRejected) return fn;
    }
    const fn = compileFunction(code, params, { ...options, produceCachedData: true });
    if (fn.cachedData) compiled.set(options.filename, { code, params: String(params), data: fn.cachedData });
    return fn;
};

module.exports = Runtime;
