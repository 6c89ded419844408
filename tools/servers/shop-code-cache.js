/**
 * V8's compiled code of the shop's modules, kept between the starts of the shop processes that the
 * tests, the lab and the benchmark run (`node --require` this file): a start then compiles from the
 * kept code what an earlier start compiled (node 22, which the image runs, can do this itself with
 * NODE_COMPILE_CACHE; node 20 cannot). v8-compile-cache, which the tools use, cannot serve the shop:
 * node 20 loses the dynamic-import callback of a script compiled from cached data, and PGlite imports
 * modules (`import()`). So a module whose source holds `import(` (or starts with `#!`) is compiled as
 * node compiles it. Each module's code is kept by a hash of its path and source, taken when the
 * process exits (it then holds the functions compiled since the start too, not only the outer ones),
 * and written whole: a temporary name, then a rename, as several processes exit at once.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");
const { shopCodeCacheDir } = require("../compiled");

/** Scripts compiled without kept code (none yet, or V8 refused it), and where to keep theirs. */
const toKeep = [];

/** `require` for `module`, as node makes it. */
function requireFor(module) {
    const require = (id) => module.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    return require;
}

const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
    if (/\bimport\s*\(/.test(content) || content.startsWith("#!")) return compile.call(this, content, filename);
    const file = path.join(shopCodeCacheDir, `${crypto.createHash("sha256").update(filename).update("\0").update(content).digest("hex").slice(0, 32)}.bin`);
    let cachedData;
    try {
        cachedData = fs.readFileSync(file);
    } catch {
        // None kept yet.
    }
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) toKeep.push({ file, script });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
};

process.on("exit", () => {
    try {
        fs.mkdirSync(shopCodeCacheDir, { recursive: true });
        for (const { file, script } of toKeep) {
            fs.writeFileSync(`${file}.${process.pid}`, script.createCachedData());
            fs.renameSync(`${file}.${process.pid}`, file);
        }
    } catch {
        // Not kept: the next start compiles from source, as without it.
    }
});
