/** The types of tools/compiled.js, for the TypeScript that starts compiled code. */
/** Rebuilds the tools' bin/ when a source changed since its last build. */
export function buildIfStale(): void;
/** Removes the modules (`.js`) in `outdir` that a build did not write (`written`: their paths), leaving what runs keep there. */
export function removeUnbuilt(outdir: string, written: string[]): void;
/** A compiled entry point of the shop (`main`: app/bin/src/main.js, `migrate`: the migration function's), rebuilt first when a source changed. */
export function shopEntry(name: "main" | "migrate"): string;
/** Where the shop processes of the tests, the lab and the benchmark keep their routes' compiled schemas (SHOP_COMPILED_SCHEMAS_DIR). */
export const shopCompiledSchemasDir: string;
/** Where they keep V8's compiled code of the shop's modules (tools/servers/shop-code-cache.js). */
export const shopCodeCacheDir: string;
/** What the resolutions the shop processes keep (tools/kept-resolutions.js) hold for: the installed packages, and the shop's build. */
export const shopResolutionStamps: string[];
