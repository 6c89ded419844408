/**
 * Route schemas compiled once and kept. At every start Fastify turns each route's schemas into
 * code: Ajv's validators for the input, fast-json-stringify's serializers for the output, about a
 * fifth of the CPU a shop process takes to start. Given a directory (SHOP_COMPILED_SCHEMAS_DIR),
 * each is kept there as the standalone module those libraries generate (the code they would
 * compile), named by a hash of everything it is made from: the schema, the shared schemas it may
 * refer to, the options, what the caller adds (the rules of a custom keyword) and the installed
 * packages (npm's record of them, and the libraries' versions). A later start loads it instead of
 * compiling, and loads neither Ajv nor the compilers while every file is there.
 *
 * The libraries are Fastify's own copies, found from Fastify, as its default compilers use them.
 * Like every file the shop keeps to start faster, one is only run when it and its directory are
 * this user's own and nobody else may write them (kept-file.ts); it must also begin and end with
 * its name's hash and export a function, or it is compiled and written anew. Without a directory,
 * Fastify's own compilers compile every schema at every start.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { FastifyServerOptions } from "fastify";
import { readKeptFile, writeKeptFile } from "../kept-file";
import { fastifyRequire, serializerRequire, validatorRequire } from "./fastify-libraries";

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]>;
/** What Fastify hands a compiler for each schema of a route. */
type Route = { schema?: unknown; httpPart?: string; method?: string; url?: string };
type Compiler = (route: Route) => unknown;

/**
 * What the generated code depends on besides its inputs: the packages installed, as npm recorded them, and the
 * libraries' versions. Read once, at the first schema kept: a shop without the directory reads none of it.
 */
let installedHash: string | undefined;
function installed(): string {
    if (installedHash) return installedHash;
    const manifest = (require: NodeJS.Require, name: string) => `${name}@${(require(`${name}/package.json`) as { version: string }).version}`;
    let lock = "";
    try {
        lock = fs.readFileSync(path.join(path.dirname(fastifyRequire.resolve("fastify/package.json")), "..", ".package-lock.json"), "utf8");
    } catch {
        // Not installed by npm: the versions alone.
    }
    const versions = [
        manifest(fastifyRequire, "fastify"),
        ...["ajv", "ajv-formats"].map((name) => manifest(validatorRequire, name)),
        manifest(serializerRequire, "fast-json-stringify"),
    ];
    installedHash = createHash("sha256").update(lock).update(versions.join("\n")).digest("hex");
    return installedHash;
}

/** JSON of `value` with functions as their source and regular expressions as their text, so that a change to either changes a key. */
function keyText(value: unknown): string {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === "function" ? v.toString() : v instanceof RegExp ? v.toString() : v));
}

/** Where a schema's names of headers are (Fastify lowers them all for its own compiler, and for no other). */
const headerNameKeywords = new Set(["properties", "patternProperties", "dependencies", "dependentRequired", "dependentSchemas"]);

/** Every header name a headers schema mentions, at any depth. */
function headerNames(schema: unknown, inPropertyNames = false): string[] {
    if (Array.isArray(schema)) return schema.flatMap((item) => headerNames(item, inPropertyNames));
    if (!schema || typeof schema !== "object") return [];
    return Object.entries(schema).flatMap(([keyword, value]) => [
        ...(headerNameKeywords.has(keyword) && value && typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : []),
        ...(keyword === "required" && Array.isArray(value) ? value.filter((name) => typeof name === "string") : []),
        ...((keyword === "dependencies" || keyword === "dependentRequired") && value && typeof value === "object"
            ? Object.values(value).flatMap((names) => (Array.isArray(names) ? names.filter((name) => typeof name === "string") : []))
            : []),
        ...(inPropertyNames && (keyword === "enum" || keyword === "const") ? [value].flat().filter((name) => typeof name === "string") : []),
        ...headerNames(value, inPropertyNames || keyword === "propertyNames"),
    ]);
}

/**
 * Header names arrive in lower case, and Fastify lowers a headers schema's names itself only for its own
 * compilers. So that a kept validator checks what Fastify's would, a headers schema that names a header
 * otherwise is refused when the shop starts.
 */
function checkHeaderNames(route: Route): void {
    if (route.httpPart !== "headers") return;
    const upper = [...new Set(headerNames(route.schema))].filter((name) => name !== name.toLowerCase());
    if (upper.length > 0) throw new Error(`a headers schema names headers in lower case, as they arrive (got ${upper.join(", ")})`);
}

/** The code kept for `inputs` in `dir`: its file, named by their hash, and the lines it begins and ends with. */
function keptCode(dir: string, kind: "validator" | "serializer", inputs: unknown) {
    const hash = createHash("sha256").update(installed()).update(keyText(inputs)).digest("hex").slice(0, 32);
    const file = path.join(dir, `${kind}-${hash}.js`);
    const [head, tail] = [`// ${kind} ${hash}\n`, `\n// end ${hash}\n`];
    return {
        /** The kept function, when its file is whole (it begins and ends with the hash) and runs to export one. */
        load<T>(require: NodeJS.Require): T | undefined {
            const code = readKeptFile(file)?.toString("utf8");
            if (!code?.startsWith(head) || !code.endsWith(tail)) return undefined;
            try {
                const exported = evaluate(code, require);
                return typeof exported === "function" ? (exported as T) : undefined;
            } catch {
                return undefined;
            }
        },
        keep(code: string): void {
            writeKeptFile(file, head + code + tail);
        },
    };
}

/** The exports of a standalone module the libraries generated, evaluated as they evaluate their own code. */
function evaluate(code: string, require: NodeJS.Require): unknown {
    const module = { exports: {} as unknown };
    // Generated by Ajv or fast-json-stringify from the routes' schemas, which evaluate it the same way when they compile.
    new Function("module", "exports", "require", code)(module, module.exports, require);
    return module.exports;
}

/** Fastify's `schemaController.compilersFactory`, keeping compiled schemas in `dir` (none: Fastify's own compilers, at every start). */
export function keptSchemaCompilers(dir: string | undefined, madeFrom: unknown): CompilersFactory {
    if (!dir) return {};
    // One Ajv per set of shared schemas and options, made at the first schema not kept, as Fastify's compiler pools them.
    const ajvCompilers = new Map<string, Compiler>();
    const buildValidator = (externalSchemas: Record<string, unknown>, options?: { customOptions?: { code?: object } }): Compiler => {
        const shared = keyText([externalSchemas, options, madeFrom]);
        return (route: Route) => {
            checkHeaderNames(route);
            const kept = keptCode(dir, "validator", [shared, route.schema]);
            const loaded = kept.load<Compiler>(validatorRequire);
            if (loaded) return loaded;
            let compile = ajvCompilers.get(shared);
            if (!compile) {
                const { StandaloneValidator } = validatorRequire("@fastify/ajv-compiler") as typeof import("@fastify/ajv-compiler");
                const { _ } = validatorRequire("ajv") as typeof import("ajv");
                // Standalone code takes formats ("email") from ajv-formats, as the compiler's Ajv does.
                const code = { ...options?.customOptions?.code, source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` };
                const storeFunction = (compiled: Route, source: string) => keptCode(dir, "validator", [shared, compiled.schema]).keep(source);
                const standalone = StandaloneValidator({ readMode: false, storeFunction });
                compile = standalone(externalSchemas as Parameters<typeof standalone>[0], {
                    ...options,
                    customOptions: { ...options?.customOptions, code },
                }) as unknown as Compiler;
                ajvCompilers.set(shared, compile);
            }
            return compile(route);
        };
    };
    const buildSerializer = (externalSchemas: Record<string, unknown>, options?: object): Compiler => {
        const shared = keyText([externalSchemas, options]);
        return (route: Route) => {
            const kept = keptCode(dir, "serializer", [shared, route.schema]);
            const loaded = kept.load<Compiler>(serializerRequire);
            if (loaded) return loaded;
            const fastJsonStringify = serializerRequire("fast-json-stringify") as typeof import("fast-json-stringify");
            // As @fastify/fast-json-stringify-compiler does: a schema is not among its own external schemas.
            const schemas = { ...externalSchemas };
            const id = (route.schema as { $id?: string }).$id;
            if (id) delete schemas[id];
            const source = fastJsonStringify(route.schema as Parameters<typeof fastJsonStringify>[0], {
                ...options,
                schema: schemas as Record<string, Parameters<typeof fastJsonStringify>[0]>,
                mode: "standalone",
                // Its checks of anyOf and if/then as code too, so that a kept serializer needs no Ajv.
                inlineValidators: true,
            }) as unknown as string;
            kept.keep(source);
            return evaluate(source, serializerRequire);
        };
    };
    // Fastify types a validator compiler as taking a bare schema; it is called with the route's definition, as here.
    return { buildValidator, buildSerializer } as unknown as CompilersFactory;
}
