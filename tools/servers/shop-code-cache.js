/**
 * V8's compiled code of the shop's modules, kept between the starts of the shop processes that the
 * tests, the lab and the benchmark run (`node --require` this file): a start then compiles from the
 * kept code what an earlier start compiled (node 22, which the image runs, can do this itself with
 * NODE_COMPILE_CACHE; node 20 cannot). v8-compile-cache, which the tools use, cannot serve the shop:
 * node 20 loses the dynamic-import callback of a script compiled from cached data, and PGlite imports
 * modules (`import()`). So a module whose source holds `import(` (or starts with `#!`), an ES module
 * (which node 20 may require too) and one that does not parse are compiled as node compiles them.
 * Each module's code is kept by a hash of its path and source, taken when the process exits (it then
 * holds the functions compiled since the start too, not only the outer ones), and written whole: a
 * temporary name, then a rename, as several processes exit at once.
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");
const { shopCodeCacheDir, shopResolutionStamps } = require("../compiled");
const { keepResolutions } = require("../kept-resolutions");

/** Where the code is kept: beside the compiled shop, or (for this hook's own test) SHOP_CODE_CACHE_DIR. */
const dir = process.env.SHOP_CODE_CACHE_DIR || shopCodeCacheDir;

// Where each of the shop's `require`s led, kept beside its code too.
keepResolutions(path.join(dir, "resolutions.json"), shopResolutionStamps);

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
Module.prototype._compile = function (content, filename, format) {
    if ((format !== undefined && format !== "commonjs") || /\bimport\s*\(/.test(content) || content.startsWith("#!"))
        return compile.call(this, content, filename, format);
    const file = path.join(dir, `${crypto.createHash("sha256").update(filename).update("\0").update(content).digest("hex").slice(0, 32)}.bin`);
    let cachedData;
    try {
        cachedData = fs.readFileSync(file);
    } catch {
        // None kept yet.
    }
    let script;
    try {
        script = new vm.Script(Module.wrap(content), { filename, cachedData });
    } catch {
        // Node's own compile says what is wrong, or reads it as the ES module it is.
        return compile.call(this, content, filename, format);
    }
    if (!cachedData || script.cachedDataRejected) toKeep.push({ file, script });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
};

process.on("exit", () => {
    for (const { file, script } of toKeep) {
        try {
            fs.mkdirSync(dir, { recursive: true });
            fs.writeFileSync(`${file}.${process.pid}`, script.createCachedData());
            fs.renameSync(`${file}.${process.pid}`, file);
        } catch {
            // Not kept: the next start compiles it from source, as without it.
        }
    }
});
