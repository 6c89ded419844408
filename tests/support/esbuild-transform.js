/**
 * Jest's transform of the TypeScript files: esbuild strips the types of each file on its own, as the
 * compiled tools and the shop's processes are built (tools/compiled.js) and as tsx runs the rest;
 * `npm run typecheck` does the type check. It replaces ts-jest, whose TypeScript compiler took about
 * twenty times esbuild's CPU for the same files, and whose cache, keyed by the checkout's path, a
 * fresh clone never hits.
 */
const { createHash } = require("node:crypto");
const path = require("node:path");
const esbuild = require("esbuild");

const options = {
    loader: "ts",
    format: "cjs",
    target: "node20",
    // TypeScript's own semantics for ES2022 (the projects' target): class fields are defined, not assigned.
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
    sourcemap: "external",
};
const version = `esbuild ${require("esbuild/package.json").version} ${JSON.stringify(options)}`;

module.exports = {
    // Jest keeps what `process` gave under this key, instrumented for coverage or not: the key says which.
    getCacheKey(source, filename, { instrument }) {
        return createHash("sha256")
            .update(`${version} ${instrument ? "instrumented" : ""}\0${filename}\0`)
            .update(source)
            .digest("hex");
    },
    process(source, filename) {
        // The map names the source by its base name, beside the file it maps, so stack traces point at it from any checkout.
        const { code, map } = esbuild.transformSync(source, { ...options, sourcefile: path.basename(filename) });
        return { code, map };
    },
};
