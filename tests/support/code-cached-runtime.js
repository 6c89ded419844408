/**
 * Jest's runtime, with each module's compiled script kept for the worker's later test files.
 * Jest gives every test file modules of its own, so each file compiled again every module it loads
 * (the Pulumi SDK and its protobuf code, Fastify, the shop's modules), and compiled again each
 * function of them that it ran. Here the first compile of a module's source makes a script (the
 * module wrapped in a function, as node's own loader once did), and a later file that loads the
 * same source (its text and parameters compared whole) runs that same script in its own context:
 * V8 shares the bytecode of every function compiled so far, while each file still gets closures,
 * state and globals of its own, as before. A module that calls `import()` is compiled as Jest does
 * (below), and anything this cannot compile is left to Jest's own compile and its error.
 *
 * Only within a run: V8's code of a script, kept on disk, would name the path of the checkout that
 * made it in every stack trace of another clone (V8 keeps the script's name with its code).
 */
const vm = require("node:vm");
const Runtime = require("jest-runtime").default;

const compileFunction = vm.compileFunction;
/** By file: the source compiled, with its parameters, and its script. */
const compiled = new Map();

vm.compileFunction = function compileWithKeptScript(code, params, options) {
    // A script keeps no `import()` callback of the file that loads it (Jest gives each its own): such a module is compiled afresh.
    if (
        !options?.filename ||
        !options.parsingContext ||
        options.cachedData !== undefined ||
        options.produceCachedData !== undefined ||
        /\bimport\s*\(/.test(code)
    )
        return compileFunction(code, params, options);
    const kept = compiled.get(options.filename);
    if (kept?.code === code && kept.params === String(params)) {
        const fn = kept.script.runInContext(options.parsingContext);
        Object.defineProperty(fn, "compiledBefore", { value: true });
        return fn;
    }
    let script;
    try {
        // On a line of its own, so that the module's lines and columns are its source's.
        script = new vm.Script(`(function (${params.join(", ")}) {\n${code}\n})`, { filename: options.filename, lineOffset: -1 });
    } catch {
        return compileFunction(code, params, options);
    }
    compiled.set(options.filename, { code, params: String(params), script });
    return script.runInContext(options.parsingContext);
};

module.exports = Runtime;
