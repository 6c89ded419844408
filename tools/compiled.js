/**
 * Runs a command-line tool from compiled JavaScript with plain node:
 *   node tools/compiled.js tools/plan.ts --stack prod --stage 15
 *   node tools/compiled.js --build            (what `npm ci` runs, as the root's `prepare` step)
 * The tools and every module they import (components/, stacks/, policy/, the shop's files they
 * read) are transpiled file by file into bin/, mirroring the sources. A source newer than its
 * copy, or a new or removed one, rebuilds them first, so the README's commands never run stale
 * code. Plain node skips tsx's loader hooks and its source-mapped stack formatting: the plan
 * makes an Error for every promise of the Pulumi SDK, and loads hundreds of modules. Those
 * modules compile from V8's cached code (tools/code-cache.js), and the two the SDK needs only
 * for closures load at their first use (`loadOnFirstUse`).
 */
const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");
const { useCodeCache } = require("./code-cache");

const root = path.resolve(__dirname, "..");
const outDir = path.join(root, "bin");
const stampFile = path.join(outDir, "sources.json");
/** The entry points that run compiled; each brings the modules it imports. */
const entryPoints = ["tools/plan.ts", "tools/preflight.ts", "tests/support/plan-worker.ts"];

/** Each source of the last build with its size and modification time, or undefined when none. */
function readStamp() {
    try {
        return JSON.parse(fs.readFileSync(stampFile, "utf8"));
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

function isStale(stamp) {
    return !stamp || entryPoints.some((entry) => !(entry in stamp)) || Object.entries(stamp).some(([file, stat]) => statOf(file) !== stat);
}

/** Transpiles every module the entry points import (esbuild finds them; each is written on its own). */
function build() {
    const esbuild = require("esbuild");
    const { metafile } = esbuild.buildSync({
        absWorkingDir: root,
        entryPoints,
        bundle: true,
        packages: "external",
        platform: "node",
        write: false,
        metafile: true,
        outdir: outDir,
        logLevel: "error",
    });
    const sources = Object.keys(metafile.inputs).filter((file) => file.endsWith(".ts"));
    // Stat before transpiling, so that a source edited meanwhile is rebuilt next time.
    const stamp = Object.fromEntries(sources.map((file) => [file, statOf(file)]));
    const { outputFiles } = esbuild.buildSync({
        absWorkingDir: root,
        entryPoints: sources,
        outbase: root,
        outdir: outDir,
        format: "cjs",
        platform: "node",
        target: "node20",
        write: false,
        logLevel: "error",
    });
    // Each file written whole (a temporary name, then a rename): a tool started meanwhile never reads half a file.
    for (const { path: file, contents } of outputFiles) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(`${file}.${process.pid}`, contents);
        fs.renameSync(`${file}.${process.pid}`, file);
    }
    // Written last, whole: a run that reads it finds every file it names already built.
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
 * Puts a stand-in for each module of `usedOnlyForClosures` in node's module cache: the real module
 * loads the first time anything is read from it. The stand-in says it is an ES module, so that
 * TypeScript's import helpers hand it on as it is instead of copying its members (which would
 * load it), and answers `default` with the module itself, as those helpers would.
 */
function loadOnFirstUse() {
    for (const [name, requiredBy] of usedOnlyForClosures) {
        let file;
        try {
            file = require.resolve(name, { paths: [path.dirname(require.resolve(requiredBy, { paths: [root] }))] });
        } catch {
            continue; // Not installed as this expects: left to load as it would.
        }
        if (require.cache[file]) continue;
        let real;
        const load = () => {
            if (!real) {
                delete require.cache[file];
                real = require(file);
            }
            return real;
        };
        const standIn = new Module(file);
        standIn.filename = file;
        standIn.loaded = true;
        standIn.exports = new Proxy(
            {},
            {
                get: (_, key) => (key === "__esModule" ? true : key === "default" && !("default" in load()) ? load() : load()[key]),
                has: (_, key) => key in load(),
            },
        );
        require.cache[file] = standIn;
    }
}

/** Rebuilds bin/ when a source changed since its last build. */
function buildIfStale() {
    if (isStale(readStamp())) build();
}

function main() {
    const [what, ...args] = process.argv.slice(2);
    if (what !== "--build" && !entryPoints.includes(what)) {
        process.stderr.write(`usage: node tools/compiled.js --build | <${entryPoints.join("|")}> [arguments]\n`);
        process.exit(2);
    }
    if (what === "--build") return build();
    buildIfStale();
    loadOnFirstUse();
    // One cache a tool: each loads its own modules, and a run rewrites the cache with those it loaded.
    useCodeCache(path.join(outDir, what.replace(/\.ts$/, ".code-cache")));
    // The compiled tool runs as the main module, with its own arguments, as `node bin/<tool>.js` would.
    process.argv = [process.argv[0], path.join(outDir, what.replace(/\.ts$/, ".js")), ...args];
    Module.runMain();
}

if (require.main === module) main();

module.exports = { buildIfStale, loadOnFirstUse };
