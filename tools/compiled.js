/**
 * Runs a command-line tool, or the shop, from compiled JavaScript with plain node:
 *   node tools/compiled.js tools/plan.ts --stack prod --stage 15
 *   node tools/compiled.js --build            (what `npm ci` runs, as the root's `prepare` step)
 * Each target's sources, and every module they import, are transpiled file by file into its
 * output folder, mirroring the sources:
 *   - the tools (components/, stacks/, policy/, the shop's files they read) into bin/;
 *   - the shop (app/src) into app/bin/, beside app/node_modules, so that its packages resolve
 *     as they do from app/src (the tests' and the lab's shop processes run it: `shopEntry`).
 * A source newer than its copy, or a new or removed one, rebuilds the target first, so the
 * README's commands never run stale code. Plain node skips tsx's loader hooks and its
 * source-mapped stack formatting: the plan makes an Error for every promise of the Pulumi SDK,
 * and loads hundreds of modules; a shop process starts in a third of the CPU time. A tool's
 * modules compile from V8's cached code (v8-compile-cache, in bin/code-cache/), and the two the SDK needs only for
 * closures load at their first use (`loadOnFirstUse`).
 */
const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");
const { keepResolutions } = require("./kept-resolutions");

const root = path.resolve(__dirname, "..");
/** What is compiled, each into a folder of its own (paths relative to the project's root). */
const targets = [
    {
        outbase: ".",
        outdir: "bin",
        entryPoints: ["tools/plan.ts", "tools/preflight.ts", "tools/lab/lab.ts", "tools/move-data.ts", "tests/support/plan-worker.ts"],
    },
    { outbase: "app", outdir: "app/bin", entryPoints: ["app/src/main.ts", "app/src/migrate.ts"] },
];
const toolTarget = targets[0];
const shopTarget = targets[1];

const stampFileOf = (target) => path.join(root, target.outdir, "sources.json");

/** Folders of an output folder that hold what runs keep, not what a build writes. */
const keptFolders = ["code-cache", "compiled-schemas"];

/**
 * Removes the modules in `outdir` that this build did not write: a source renamed or removed left its
 * module behind, which node would still find (after renaming x.ts to x/index.ts, require("./x") loads
 * the old x.js).
 */
function removeUnbuilt(outdir, written) {
    const built = new Set(written);
    for (const entry of fs.readdirSync(outdir, { recursive: true, withFileTypes: true })) {
        const file = path.join(entry.parentPath ?? entry.path, entry.name);
        const inKept = keptFolders.some((folder) => file.startsWith(path.join(outdir, folder) + path.sep));
        if (entry.isFile() && file.endsWith(".js") && !inKept && !built.has(file)) fs.rmSync(file, { force: true });
    }
}

/** Each source of the target's last build with its size and modification time, or undefined when none. */
function readStamp(target) {
    try {
        return JSON.parse(fs.readFileSync(stampFileOf(target), "utf8"));
    } catch {
        return undefined;
    }
}

function statOf(file) {
    try {
        const stat = fs.statSync(path.join(root, file));
        return `${stat.size}:${stat.mtimeMs}`;
    } catch {
        return "missing";
    }
}

function isStale(target, stamp) {
    return !stamp || target.entryPoints.some((entry) => !(entry in stamp)) || Object.entries(stamp).some(([file, stat]) => statOf(file) !== stat);
}

/** Transpiles every module the target's entry points import (esbuild finds them; each is written on its own). */
function build(target) {
    const esbuild = require("esbuild");
    const outdir = path.join(root, target.outdir);
    const { metafile } = esbuild.buildSync({
        absWorkingDir: root,
        entryPoints: target.entryPoints,
        bundle: true,
        packages: "external",
        platform: "node",
        write: false,
        metafile: true,
        outdir,
        logLevel: "error",
    });
    const sources = Object.keys(metafile.inputs).filter((file) => file.endsWith(".ts"));
    // Stat before transpiling, so that a source edited meanwhile is rebuilt next time.
    const stamp = Object.fromEntries(sources.map((file) => [file, statOf(file)]));
    const { outputFiles } = esbuild.buildSync({
        absWorkingDir: root,
        entryPoints: sources,
        outbase: path.join(root, target.outbase),
        outdir,
        format: "cjs",
        // `await import("./app")` (the shop loads its modules after tracing starts) becomes a require: node's import()
        // would look for "./app" without an extension.
        supported: { "dynamic-import": false },
        platform: "node",
        target: "node20",
        write: false,
        logLevel: "error",
    });
    // A JavaScript module of the project that they import (the lab's shop processes need this one) is not transpiled:
    // its place in the output requires the source, so that both are one module.
    const forwarders = Object.keys(metafile.inputs)
        .filter((file) => file.endsWith(".js") && !file.startsWith("node_modules/") && !file.includes("/node_modules/"))
        .map((file) => ({ file, within: path.relative(path.join(root, target.outbase), path.join(root, file)) }))
        // Only within the target's sources: a place outside its output folder would be among the sources themselves.
        .filter(({ within }) => !within.startsWith(".."))
        .map(({ file, within }) => {
            const place = path.join(outdir, within);
            const source = path.relative(path.dirname(place), path.join(root, file)).split(path.sep).join("/");
            return { path: place, contents: `module.exports = require(${JSON.stringify(source.startsWith(".") ? source : `./${source}`)});\n` };
        });
    // Each file written whole (a temporary name, then a rename): a process started meanwhile never reads half a file.
    for (const { path: file, contents } of [...outputFiles, ...forwarders]) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(`${file}.${process.pid}`, contents);
        fs.renameSync(`${file}.${process.pid}`, file);
    }
    removeUnbuilt(
        outdir,
        [...outputFiles, ...forwarders].map((output) => output.path),
    );
    // What the shop's processes kept of the code before this build goes with it, so that it does not grow with every edit.
    if (target === shopTarget) for (const dir of [shopCodeCacheDir, shopCompiledSchemasDir]) fs.rmSync(dir, { recursive: true, force: true });
    // Written last, whole: a run that reads it finds every file it names already built.
    const stampFile = stampFileOf(target);
    fs.writeFileSync(`${stampFile}.${process.pid}`, JSON.stringify(stamp));
    fs.renameSync(`${stampFile}.${process.pid}`, stampFile);
}

/**
 * Modules that the Pulumi SDK requires as it loads but uses only to serialize a function's closure
 * (a Lambda written inline), which no program here does: npm's package-tree reader and the
 * TypeScript compiler, each named by a module of the SDK that requires it. Together they are more
 * than half the time of loading the SDK.
 */
const usedOnlyForClosures = [
    ["@npmcli/arborist", "@pulumi/pulumi/runtime/closure/codePaths.js"],
    ["typescript", "@pulumi/pulumi/typescript-shim.js"],
];

/**
 * A stand-in for a module's exports that loads the real module (`load`) the first time anything is
 * read from it. It says it is an ES module, so that TypeScript's import helpers hand it on as it is
 * instead of copying its members (which would load it), and answers `default` with the module
 * itself, as those helpers would. esbuild's helpers do copy the members of an ES module (the tests'
 * and the tools' own imports): listing them loads the module, and lists its members with `default`.
 */
function exportsOnFirstUse(load) {
    let real;
    const loaded = () => (real ??= load());
    let listed;
    const members = () => (listed ??= { ...loaded(), default: "default" in loaded() ? loaded().default : loaded() });
    return new Proxy(
        {},
        {
            get: (_, key) => (key === "__esModule" ? true : key === "default" && !("default" in loaded()) ? loaded() : loaded()[key]),
            has: (_, key) => key in loaded(),
            ownKeys: () => Reflect.ownKeys(members()),
            // Reported configurable, as a proxy must for a member its empty target lacks.
            getOwnPropertyDescriptor: (_, key) => {
                const found = Object.getOwnPropertyDescriptor(members(), key);
                return found && { ...found, configurable: true };
            },
        },
    );
}

/** Puts a stand-in (`exportsOnFirstUse`) for each module of `usedOnlyForClosures` in node's module cache. */
function loadOnFirstUse() {
    for (const [name, requiredBy] of usedOnlyForClosures) {
        let file;
        try {
            file = require.resolve(name, { paths: [path.dirname(require.resolve(requiredBy, { paths: [root] }))] });
        } catch {
            continue; // Not installed as this expects: left to load as it would.
        }
        if (require.cache[file]) continue;
        const standIn = new Module(file);
        standIn.filename = file;
        standIn.loaded = true;
        standIn.exports = exportsOnFirstUse(() => {
            delete require.cache[file];
            return require(file);
        });
        require.cache[file] = standIn;
    }
}

/** Rebuilds the tools' bin/ when a source changed since its last build. */
function buildIfStale() {
    if (isStale(toolTarget, readStamp(toolTarget))) build(toolTarget);
}

/**
 * Where the shop processes of the tests, the lab and the benchmark keep their routes' compiled schemas
 * (SHOP_COMPILED_SCHEMAS_DIR, app/src/http/kept-schemas.ts), beside the compiled shop.
 */
const shopCompiledSchemasDir = path.join(root, shopTarget.outdir, "compiled-schemas");
/** Where those processes keep V8's compiled code of the shop's modules (tools/servers/shop-code-cache.js), beside it too. */
const shopCodeCacheDir = path.join(root, shopTarget.outdir, "code-cache");
/** Where the compiled tools keep V8's compiled code of their modules and where their requires led. */
const toolCodeCacheDir = path.join(root, toolTarget.outdir, "code-cache");
/** What the resolutions a process keeps (tools/kept-resolutions.js) hold for: the installed packages, and the target's build. */
const resolutionStamps = (target) => [path.join(root, "node_modules", ".package-lock.json"), stampFileOf(target)];

/** A compiled entry point of the shop (`main`: app/bin/src/main.js, `migrate`), rebuilt first when a source changed. */
function shopEntry(name) {
    if (isStale(shopTarget, readStamp(shopTarget))) build(shopTarget);
    return path.join(root, shopTarget.outdir, "src", `${name}.js`);
}

function main() {
    const [what, ...args] = process.argv.slice(2);
    if (what !== "--build" && !toolTarget.entryPoints.includes(what)) {
        process.stderr.write(`usage: node tools/compiled.js --build | <${toolTarget.entryPoints.join("|")}> [arguments]\n`);
        process.exit(2);
    }
    if (what === "--build") return targets.forEach(build);
    buildIfStale();
    loadOnFirstUse();
    // V8's compiled code of every module, kept between runs (node 20 has no compile cache of its own; a module whose
    // source changed is compiled afresh), beside the compiled tools.
    process.env.V8_COMPILE_CACHE_CACHE_DIR ??= toolCodeCacheDir;
    const nodeCompile = Module.prototype._compile;
    require("v8-compile-cache");
    keepResolutions(path.join(toolCodeCacheDir, "resolutions.json"), resolutionStamps(toolTarget));
    // An ES module a package hands to require() (node 20.19 and later load them: the lab's autocannon reaches
    // async-function/require.mjs) is node's to load: the cache compiles every file as CommonJS.
    const cachedCompile = Module.prototype._compile;
    Module.prototype._compile = function (content, filename, ...rest) {
        return (filename.endsWith(".mjs") ? nodeCompile : cachedCompile).call(this, content, filename, ...rest);
    };
    // The compiled tool runs as the main module, with its own arguments, as `node bin/<tool>.js` would.
    process.argv = [process.argv[0], path.join(root, toolTarget.outdir, what.replace(/\.ts$/, ".js")), ...args];
    Module.runMain();
}

// Exported before a tool runs: the lab, run from here, requires this module (for `shopEntry`) while it is still the main one.
module.exports = {
    buildIfStale,
    removeUnbuilt,
    shopEntry,
    shopCompiledSchemasDir,
    shopCodeCacheDir,
    shopResolutionStamps: resolutionStamps(shopTarget),
    loadOnFirstUse,
    usedOnlyForClosures,
    exportsOnFirstUse,
};

if (require.main === module) main();
