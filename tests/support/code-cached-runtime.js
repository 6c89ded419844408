/**
 * Jest's runtime, with each module's compiled script kept for the worker's later test files, and
 * V8's code of it kept for later runs.
 * Jest gives every test file modules of its own, so each file compiled again every module it loads
 * (the Pulumi SDK and its protobuf code, Fastify, the shop's modules), and compiled again each
 * function of them that it ran. Here the first compile of a module's source makes a script (the
 * module wrapped in a function, as node's own loader once did), and a later file that loads the
 * same source (its text and parameters compared whole) runs that same script in its own context:
 * V8 shares the bytecode of every function compiled so far, while each file still gets closures,
 * state and globals of its own, as before. A module that calls `import()` is compiled as Jest does
 * (below), and anything this cannot compile is left to Jest's own compile and its error.
 *
 * The first compile of a source in a run starts from the code V8 made of it in an earlier run, with
 * the functions that run compiled: kept in the user's cache (~/.cache/shop-evolution/jest-code-cache/)
 * under a hash of the module's parameters and whole text (so a clone elsewhere finds it), as the shop keeps its files
 * (app/src/kept-file.ts: this user's own, nobody else's to write). V8 checks it against its own
 * version and flags and compiles afresh when they differ. Written after each test file, for the
 * scripts it compiled from source.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const vm = require("node:vm");
const Runtime = require("jest-runtime").default;
const { shopEntry } = require("../../tools/compiled");

const { readKeptFile, writeKeptFile } = require(shopEntry("kept-file"));

/** Where V8's code is kept between runs (a relative XDG_CACHE_HOME is ignored, as the XDG specification says). */
const xdg = process.env.XDG_CACHE_HOME;
const keptDir = path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), ".cache"), "shop-evolution", "jest-code-cache");

const compileFunction = vm.compileFunction;
/** By file: the source compiled, with its parameters, and its script. */
const compiled = new Map();
/** Scripts compiled from source (none kept, or V8 refused it), and where to keep their code. */
const toKeep = [];

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
    // By its text alone, not its path: a clone elsewhere has the same modules at other paths (V8's code names none).
    const file = path.join(keptDir, `${crypto.createHash("sha256").update(`${params}\0${code}`).digest("hex").slice(0, 40)}.bin`);
    const cachedData = readKeptFile(file);
    let script;
    try {
        // On a line of its own, so that the module's lines and columns are its source's.
        script = new vm.Script(`(function (${params.join(", ")}) {\n${code}\n})`, { filename: options.filename, lineOffset: -1, cachedData });
    } catch {
        return compileFunction(code, params, options);
    }
    if (!cachedData || script.cachedDataRejected) toKeep.push({ file, script });
    compiled.set(options.filename, { code, params: String(params), script });
    const fn = script.runInContext(options.parsingContext);
    if (cachedData && !script.cachedDataRejected) Object.defineProperty(fn, "compiledFromKeptCode", { value: true });
    return fn;
};

/** Keeps V8's code of the scripts compiled from source so far, with the functions run since; best effort (a later run compiles from source). */
function keepCompiledCode() {
    for (const { file, script } of toKeep.splice(0)) writeKeptFile(file, script.createCachedData());
}

class CodeCachedRuntime extends Runtime {
    teardown() {
        super.teardown();
        keepCompiledCode();
    }
}

module.exports = CodeCachedRuntime;
module.exports.keepCompiledCode = keepCompiledCode;
