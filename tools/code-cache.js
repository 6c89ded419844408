/**
 * V8's compiled code for every CommonJS module a tool loads, kept in one file between runs (node 20
 * has no compile cache of its own; `module.enableCompileCache` comes with node 22). The plan loads
 * about a thousand modules, most of them the Pulumi SDKs'; compiling them is a tenth of its time.
 *
 * A module whose source is the one the cache holds (same SHA-1) is compiled from the cached code;
 * V8 checks the rest (its version, its flags) and compiles afresh when the data does not fit. When a
 * run compiled any module without cached code, it writes the cache anew as it exits, from what V8
 * then holds: each module with the functions the run compiled, not its top level only. The file is
 * written whole (a temporary name, then a rename), so runs side by side never read half of one.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const v8 = require("node:v8");
const vm = require("node:vm");
const Module = require("node:module");

/** Filename to { hash: the source's SHA-1, data: V8's code cache }, or an empty map when the file is missing or unreadable. */
function readCache(file) {
    try {
        return v8.deserialize(fs.readFileSync(file));
    } catch {
        return new Map();
    }
}

/** The `require` node gives a module (lib/internal/modules/helpers.js: makeRequireFunction). */
function requireFor(mod) {
    const require = (id) => mod.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    return require;
}

/** Compiles CommonJS modules with the code cache in `file` from now on, and rewrites it at exit when it lacked a module. */
function useCodeCache(file) {
    const cache = readCache(file);
    /** Every module compiled here: filename to its source's hash and its script. */
    const compiled = new Map();
    let missed = false;
    const compile = Module.prototype._compile;
    Module.prototype._compile = function (content, filename) {
        // A script starting with "#!" cannot be wrapped in a function as it is: node's own way handles it.
        if (content.startsWith("#!")) return compile.call(this, content, filename);
        const hash = crypto.createHash("sha1").update(content).digest("base64");
        const entry = cache.get(filename);
        const script = new vm.Script(Module.wrap(content), {
            filename,
            cachedData: entry?.hash === hash ? entry.data : undefined,
            importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
        });
        if (entry?.hash !== hash || script.cachedDataRejected) missed = true;
        compiled.set(filename, { hash, script });
        const wrapper = script.runInThisContext({ displayErrors: true });
        return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
    };
    process.once("exit", () => {
        if (!missed) return;
        const fresh = new Map([...compiled].map(([filename, { hash, script }]) => [filename, { hash, data: script.createCachedData() }]));
        try {
            fs.writeFileSync(`${file}.${process.pid}`, v8.serialize(fresh));
            fs.renameSync(`${file}.${process.pid}`, file);
        } catch {
            // A cache that cannot be written costs the next run time, nothing else.
        }
    });
}

module.exports = { useCodeCache };
