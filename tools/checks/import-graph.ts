/**
 * The project's own files that a TypeScript file's types can depend on: the local files it imports,
 * transitively, and the files whose declarations reach every file (global declarations, module
 * augmentations, scripts without imports or exports, `.d.ts` files).
 * Packages are left out: the installed packages' record stands for them in the checks' keys.
 *
 * Found the way tsc finds them (its scanner for the import names, its module resolution), without
 * building a program, so that a check whose inputs did not change is known before any program is
 * built. `localFilesOfProgram` says which files tsc itself loaded: a check keeps its result only
 * when the two agree.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

export interface ImportGraph {
    /** The content hash of every local file reached from the roots. */
    readonly hashes: ReadonlyMap<string, string>;
    /**
     * Every package file and library the project's files name, sorted: what the installed packages'
     * record does not say, which of them the program loads (a package's module augmentations or
     * global declarations reach every file once any file imports it).
     */
    readonly packages: readonly string[];
    /** The files whose declarations reach every file of the program. */
    readonly global: readonly string[];
    /** `file` and every local file it imports, directly or not, with the global files: sorted. */
    dependencies(file: string): string[];
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
/** A file's hash as the graph takes it, or "missing". */
export function contentHash(file: string): string {
    try {
        return sha256(fs.readFileSync(file, "utf8"));
    } catch {
        return "missing";
    }
}
const isLocal = (file: string) => !file.split(path.sep).includes("node_modules");
/** Declarations that change types beyond the file that holds them. */
const globalDeclaration = /\bdeclare\s+(global|module)\b/;
const moduleSyntax = /^\s*(import|export)\b/m;
const typeScript = /\.[cm]?tsx?$/;

/** The local import graph of `roots` (absolute paths) under `options` (a project's parsed compiler options). */
export function importGraph(roots: readonly string[], options: ts.CompilerOptions): ImportGraph {
    const cache = ts.createModuleResolutionCache(process.cwd(), (name) => name, options);
    const hashes = new Map<string, string>();
    const imports = new Map<string, string[]>();
    const packages = new Set<string>();
    const global: string[] = [];
    const pending = [...roots];
    while (pending.length > 0) {
        const file = pending.pop()!;
        if (hashes.has(file)) continue;
        let text: string;
        try {
            text = fs.readFileSync(file, "utf8");
        } catch {
            // tsc reports a root it cannot read; a missing import is the importer's (its text names it).
            hashes.set(file, "missing");
            imports.set(file, []);
            continue;
        }
        hashes.set(file, sha256(text));
        const found = typeScript.test(file) ? importsOf(file, text, options, cache, packages) : [];
        imports.set(file, found);
        pending.push(...found);
        if (file.endsWith(".d.ts") || (typeScript.test(file) && (globalDeclaration.test(text) || !moduleSyntax.test(text)))) global.push(file);
    }
    global.sort();
    const dependencies = (file: string) => {
        const seen = new Set<string>([file, ...global]);
        const stack = [file];
        while (stack.length > 0) {
            for (const next of imports.get(stack.pop()!) ?? []) {
                if (!seen.has(next)) {
                    seen.add(next);
                    stack.push(next);
                }
            }
        }
        return [...seen].sort();
    };
    return { hashes, packages: [...packages].sort(), global, dependencies };
}

/**
 * The local files `file` names (imports, re-exports, `require`s, `import()`s, types too, and
 * `/// <reference>`s); the package files and libraries it names go to `packages`.
 */
function importsOf(file: string, text: string, options: ts.CompilerOptions, cache: ts.ModuleResolutionCache, packages: Set<string>): string[] {
    const info = ts.preProcessFile(text, true, true);
    const found: string[] = [];
    const reached = (resolved: string | undefined, name: string) => {
        if (resolved && isLocal(resolved)) found.push(path.resolve(resolved));
        else packages.add(resolved ? resolved.slice(resolved.lastIndexOf(`node_modules${path.sep}`)) : `unresolved:${name}`);
    };
    for (const { fileName } of info.importedFiles)
        reached(ts.resolveModuleName(fileName, file, options, ts.sys, cache).resolvedModule?.resolvedFileName, fileName);
    for (const { fileName } of info.referencedFiles) found.push(path.resolve(path.dirname(file), fileName));
    for (const { fileName } of info.typeReferenceDirectives) {
        reached(ts.resolveTypeReferenceDirective(fileName, file, options, ts.sys).resolvedTypeReferenceDirective?.resolvedFileName, fileName);
    }
    for (const { fileName } of info.libReferenceDirectives) packages.add(`lib:${fileName}`);
    return found;
}

/**
 * Where the graph falls short of what tsc found in `program`: a local file tsc loaded that the graph
 * did not reach, or a file whose imports, as tsc resolved them, are not all among its dependencies.
 */
export function graphMisses(graph: ImportGraph, program: ts.Program): string[] {
    const checker = program.getTypeChecker();
    const misses: string[] = [];
    for (const source of program.getSourceFiles()) {
        const file = path.resolve(source.fileName);
        if (!isLocal(file)) continue;
        if (!graph.hashes.has(file)) {
            misses.push(`${file} (loaded by tsc)`);
            continue;
        }
        // Changed since the graph read it (an edit during the check): the result would be kept under the old content's key.
        if (graph.hashes.get(file) !== sha256(source.text)) misses.push(`${file} (changed during the check)`);
        if (!file.endsWith(".json") && declaresBeyondItself(source) && !graph.global.includes(file)) misses.push(`${file} (declares beyond itself)`);
        const dependencies = new Set(graph.dependencies(file));
        for (const target of importedFiles(source, checker)) {
            if (isLocal(target) && !dependencies.has(target)) misses.push(`${target} (imported by ${file})`);
        }
    }
    return misses;
}

/** A script (its declarations are global), a `.d.ts`, or a module with `declare global` or a module augmentation. */
function declaresBeyondItself(source: ts.SourceFile): boolean {
    return (
        source.isDeclarationFile ||
        !ts.isExternalModule(source) ||
        source.statements.some((s) => ts.isModuleDeclaration(s) && (ts.isStringLiteral(s.name) || (s.flags & ts.NodeFlags.GlobalAugmentation) !== 0))
    );
}

/** The files a source file's module names lead to, as tsc resolved them: imports, re-exports, `import()`s and import types. */
function importedFiles(source: ts.SourceFile, checker: ts.TypeChecker): string[] {
    const found: string[] = [];
    const visit = (node: ts.Node) => {
        const specifier =
            ts.isImportDeclaration(node) || ts.isExportDeclaration(node)
                ? node.moduleSpecifier
                : ts.isExternalModuleReference(node)
                  ? node.expression
                  : ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)
                    ? node.argument.literal
                    : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword
                      ? node.arguments[0]
                      : undefined;
        const declaration = specifier && checker.getSymbolAtLocation(specifier)?.declarations?.[0];
        if (declaration) found.push(path.resolve(declaration.getSourceFile().fileName));
        ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
}

/** A hash of `files` (of the graph, sorted) by their paths relative to `root` and their contents. */
export function filesKey(graph: ImportGraph, files: readonly string[], root: string): string {
    return sha256(files.map((file) => `${path.relative(root, file)}:${graph.hashes.get(file)}`).join("\n"));
}
