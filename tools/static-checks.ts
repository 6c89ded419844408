/**
 * The static checks: tsc's strict check of both TypeScript projects (`--typecheck`), ESLint with its
 * type-aware rules and Prettier's check (`--lint`); both when neither is named (`npm test` runs them
 * beside the tests). Every check runs to its end, and any problem fails the whole.
 *
 * One TypeScript program a project serves both tsc and ESLint's type-aware rules (ESLint would
 * otherwise build its own). A check whose inputs did not change since it passed on this machine is
 * not run again (checks/passed-checks.ts): tsc's by the project's files, a file's lint by its
 * content and the local files its types come from (checks/import-graph.ts), a file's format by its
 * content; each also by the installed packages and the configuration. A fresh clone of a commit
 * checked here before is checked in seconds; an edit re-checks what it can change.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ESLint, Linter } from "eslint";
import ts from "typescript";
import { contentHash, filesKey, graphMisses, ImportGraph, importGraph } from "./checks/import-graph";
import { PassedChecks } from "./checks/passed-checks";
import { projectRoot } from "./project-root";

/** A TypeScript project: a file belongs to the one whose tsconfig.json is nearest above it, as for ESLint's project service. */
interface Project {
    name: string;
    /** Its tsconfig.json, relative to the checkout's root. */
    config: string;
}

export interface Checkout {
    /** The project's root, or a test's. */
    root: string;
    projects: Project[];
    passed: PassedChecks;
}

export interface Outcome {
    failed: boolean;
    /** What was checked, and what was not because it had passed. */
    summary: string[];
}

/**
 * Besides every ESLint configuration in the checkout and each project's options, the files every
 * result depends on; the version changes when what a key covers changes.
 */
const settingsFiles = ["node_modules/.package-lock.json", "package-lock.json", ".prettierrc.json"];
const eslintConfig = /(^|\/)eslint\.config\.[cm]?[jt]s$/;
const keyVersion = "static-checks 2";

const typeScriptFile = /\.[cm]?tsx?$/;
const sha256 = (...parts: (string | Buffer)[]) => parts.reduce((hash, part) => hash.update(part).update("\0"), createHash("sha256")).digest("hex");

export async function staticChecks(which: { typecheck: boolean; lint: boolean }, checkout: Checkout): Promise<Outcome> {
    const { root, projects, passed } = checkout;
    const outcome: Outcome = { failed: false, summary: [] };
    const files = checkoutFiles(root);
    const configs = files.filter((file) => eslintConfig.test(path.relative(root, file))).sort();
    const settingsInputs = [...settingsFiles.map((file) => path.join(root, file)), ...configs];
    const settings = sha256(keyVersion, ...settingsInputs.flatMap((file) => [path.relative(root, file), readOr(file, "missing")]));
    const linted = which.lint ? await lintedFiles(root, files) : [];
    const typeScript = linted.filter((file) => typeScriptFile.test(file));
    const configsOf = new Map(typeScript.map((file) => [file, nearestConfig(root, file)]));
    // A file no project here covers would go unchecked: ESLint's project service refuses it too.
    for (const [file, config] of configsOf) {
        if (projects.some((p) => p.config === config)) continue;
        console.error(
            `${path.relative(root, file)}: under ${config}, which is not a project these checks run; neither the type check nor the type-aware lint sees it`,
        );
        outcome.failed = true;
    }
    for (const project of projects) {
        const mine = typeScript.filter((file) => configsOf.get(file) === project.config);
        await checkProject(checkout, project, which, mine, settings, outcome);
    }
    // Any other file ESLint lints (JavaScript its configuration does not ignore): linted as ESLint would, every time.
    const others = linted.filter((file) => !typeScriptFile.test(file));
    if (others.length > 0) await runESLint(root, others, {}, outcome);
    if (which.lint) await checkFormat(root, files, settings, passed, outcome);
    passed.save();
    return outcome;
}

/** tsc's check of `project` and ESLint's of its files `linted`, each unless it passed with the same inputs. */
async function checkProject(
    checkout: Checkout,
    project: Project,
    { typecheck, lint }: { typecheck: boolean; lint: boolean },
    linted: string[],
    projectSettings: string,
    outcome: Outcome,
): Promise<void> {
    let settings = projectSettings;
    const { root, passed } = checkout;
    const relative = (file: string) => path.relative(root, file);
    const parsed = parseConfig(path.join(root, project.config));
    const roots = parsed.fileNames.map((f) => path.resolve(f));
    const graph = importGraph(roots, parsed.options);
    // The project's options as tsc reads them (paths inside the checkout relative to it, as a clone elsewhere has them), with every file its tsconfig extends.
    const options = JSON.stringify(parsed.options, (key, value: unknown) =>
        key === "configFile" ? undefined : typeof value === "string" && value.startsWith(root) ? path.relative(root, value) : value,
    );
    const extended = ((parsed.options.configFile as { extendedSourceFiles?: string[] } | undefined)?.extendedSourceFiles ?? []).map((f) => readOr(f, f));
    settings = sha256(settings, options, ...extended);
    const rootSet = new Set(roots);
    // ESLint's project service refuses such a file; tsc would not see it either.
    for (const file of linted.filter((f) => !rootSet.has(f))) {
        console.error(`${relative(file)}: not among ${project.config}'s files, so neither the type check nor the type-aware lint sees it`);
        outcome.failed = true;
    }
    const typecheckKey = sha256(
        settings,
        "typecheck",
        project.name,
        roots.map(relative).sort().join("\n"),
        filesKey(graph, [...graph.hashes.keys()].sort(), root),
    );
    const lintKeys = new Map(linted.filter((f) => rootSet.has(f)).map((f) => [f, lintKey(graph, root, f, settings)]));
    const typeCheckNow = typecheck && !passed.has(typecheckKey);
    const toLint = [...lintKeys].filter(([, key]) => !passed.has(key)).map(([file]) => file);
    const typeCheckSaid = typeCheckNow ? "type-checked" : typecheck ? "type check unchanged" : "";
    const lintSaid = lint ? `${toLint.length} files linted, ${lintKeys.size - toLint.length} unchanged` : "";
    outcome.summary.push(`${project.name}: ${[typeCheckSaid, lintSaid].filter(Boolean).join(", ")}`);
    if (!typeCheckNow && toLint.length === 0) return;

    const builder = incrementalProgram(root, project.name, parsed);
    const program = builder.getProgram();
    // A key covers only what the graph found: where tsc found more, nothing of this project is kept.
    const misses = graphMisses(graph, program);
    if (misses.length > 0) console.error(`static checks: the import graph missed ${misses.map(relative).join(", ")}; no result of ${project.name} is kept`);
    const keep = (key: string) => {
        if (misses.length === 0) passed.add(key);
    };
    // Where the types do not check, a type-aware rule may pass a file on an error type: its lint is kept only over clean types.
    let typesClean = passed.has(typecheckKey);
    if (!typesClean) {
        const diagnostics = typeDiagnostics(root, builder, project.name);
        typesClean = diagnostics.length === 0;
        if (typesClean) keep(typecheckKey);
        else if (typecheck) {
            outcome.failed = true;
            printDiagnostics(root, diagnostics);
        }
    }
    if (toLint.length > 0) {
        const results = await runESLint(root, toLint, { languageOptions: { parserOptions: { projectService: false, programs: [program] } } }, outcome);
        for (const result of results) {
            // As linted: not edited since the graph read it.
            const unchanged = graph.hashes.get(result.filePath) === contentHash(result.filePath);
            if (result.messages.length === 0 && typesClean && unchanged) keep(lintKeys.get(result.filePath)!);
        }
    }
}

/** ESLint's results for `files`, with `overrideConfig` over the checkout's configuration; its problems printed as `eslint` prints them. */
async function runESLint(root: string, files: string[], overrideConfig: Linter.Config, outcome: Outcome): Promise<ESLint.LintResult[]> {
    const { ESLint } = await import("eslint");
    const eslint = new ESLint({ cwd: root, overrideConfig });
    const results = await eslint.lintFiles(files);
    if (results.some((r) => r.errorCount > 0)) outcome.failed = true;
    const report = await (await eslint.loadFormatter("stylish")).format(results);
    if (report) console.log(report);
    return results;
}

/** A file's lint depends on its path (the configuration's `files`), its content, and those of the local files its types come from. */
function lintKey(graph: ImportGraph, root: string, file: string, settings: string): string {
    return sha256(settings, "lint", path.relative(root, file), filesKey(graph, graph.dependencies(file), root), graph.packages.join("\n"));
}

/** The files `eslint .` lints: those its configuration matches and does not ignore. */
async function lintedFiles(root: string, files: string[]): Promise<string[]> {
    const { ESLint } = await import("eslint");
    const eslint = new ESLint({ cwd: root });
    const candidates = files.filter((f) => /\.[cm]?[jt]sx?$/.test(f));
    const configured = await Promise.all(candidates.map(async (f) => (await eslint.calculateConfigForFile(f)) !== undefined));
    return candidates.filter((_, i) => configured[i]);
}

/** Prettier's check (`prettier --check .`) of every file it formats, unless the file passed as it is. */
async function checkFormat(root: string, files: string[], settings: string, passed: PassedChecks, outcome: Outcome): Promise<void> {
    const prettier = await import("prettier");
    const ignorePath = [".gitignore", ".prettierignore"].map((f) => path.join(root, f));
    let unchanged = 0;
    let checked = 0;
    const misformatted: string[] = [];
    for (const file of files) {
        const info = await prettier.getFileInfo(file, { ignorePath, resolveConfig: true });
        if (info.ignored || !info.inferredParser) continue;
        const text = fs.readFileSync(file, "utf8");
        const options = await prettier.resolveConfig(file, { editorconfig: true });
        const key = sha256(settings, "format", path.relative(root, file), JSON.stringify(options), text);
        if (passed.has(key)) {
            unchanged++;
            continue;
        }
        checked++;
        if (await prettier.check(text, { ...options, filepath: file })) passed.add(key);
        else misformatted.push(path.relative(root, file));
    }
    for (const file of misformatted) console.log(`[warn] ${file}`);
    if (misformatted.length > 0) {
        console.log(`[warn] Code style issues found in ${misformatted.length} files. Run \`npm run format\` to fix.`);
        outcome.failed = true;
    }
    outcome.summary.push(`format: ${checked} files checked, ${unchanged} unchanged`);
}

function readOr(file: string, otherwise: string): string | Buffer {
    try {
        return fs.readFileSync(file);
    } catch {
        return otherwise;
    }
}

/** Every file of the checkout but those in node_modules and version control's own folders, as `eslint .` and `prettier --check .` walk it. */
function checkoutFiles(root: string): string[] {
    const files: string[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const file = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                if (!skippedFolders.has(entry.name)) walk(file);
            } else if (entry.isFile()) files.push(file);
        }
    };
    walk(root);
    return files.sort();
}
const skippedFolders = new Set(["node_modules", ".git", ".hg", ".svn", ".sl", ".jj"]);

function nearestConfig(root: string, file: string): string {
    for (let dir = path.dirname(file); dir.startsWith(root); dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "tsconfig.json"))) return path.relative(root, path.join(dir, "tsconfig.json"));
    }
    return "tsconfig.json";
}

function parseConfig(config: string): ts.ParsedCommandLine {
    const host: ts.ParseConfigFileHost = {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
            throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        },
    };
    return ts.getParsedCommandLineOfConfigFile(config, {}, host)!;
}

/** Where tsc keeps what it learned of a project: in the checkout, and a copy in the user's cache for the next fresh clone. */
function buildInfoFiles(root: string, name: string) {
    return {
        here: path.join(root, "node_modules", ".cache", "tsc", `${name}.tsbuildinfo`),
        kept: path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "shop-evolution", "tsc", `${name}.tsbuildinfo`),
    };
}

/**
 * The project's program, incremental: it starts from what tsc learned in the last check here (tsc
 * compares every file's hash and the options, so what it learned at another commit is trusted only as
 * far as it still holds).
 */
function incrementalProgram(root: string, name: string, parsed: ts.ParsedCommandLine): ts.EmitAndSemanticDiagnosticsBuilderProgram {
    const { here, kept } = buildInfoFiles(root, name);
    try {
        fs.mkdirSync(path.dirname(here), { recursive: true });
        if (!fs.existsSync(here)) fs.copyFileSync(kept, here);
    } catch {
        // No copy to start from: a whole check.
    }
    const options = { ...parsed.options, noEmit: true, incremental: true, tsBuildInfoFile: here };
    return ts.createIncrementalProgram({
        rootNames: parsed.fileNames,
        options,
        configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
        projectReferences: parsed.projectReferences,
        host: ts.createIncrementalCompilerHost(options),
    });
}

/** What `tsc --noEmit` reports, in its order; then what tsc learned is kept, in the checkout and (renamed into place, whole) in the user's cache. */
function typeDiagnostics(root: string, builder: ts.EmitAndSemanticDiagnosticsBuilderProgram, name: string): readonly ts.Diagnostic[] {
    const configProblems = builder.getConfigFileParsingDiagnostics().length;
    const diagnostics = [...builder.getConfigFileParsingDiagnostics(), ...builder.getSyntacticDiagnostics()];
    if (diagnostics.length === configProblems) {
        diagnostics.push(...builder.getOptionsDiagnostics(), ...builder.getGlobalDiagnostics());
        if (diagnostics.length === configProblems) diagnostics.push(...builder.getSemanticDiagnostics());
    }
    diagnostics.push(...builder.emit().diagnostics);
    const { here, kept } = buildInfoFiles(root, name);
    try {
        fs.mkdirSync(path.dirname(kept), { recursive: true });
        fs.copyFileSync(here, `${kept}.${process.pid}`);
        fs.renameSync(`${kept}.${process.pid}`, kept);
    } catch {
        // Not kept: the next fresh clone checks more.
    }
    return ts.sortAndDeduplicateDiagnostics(diagnostics);
}

function printDiagnostics(root: string, diagnostics: readonly ts.Diagnostic[]): void {
    const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
    console.log((process.stdout.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics)(diagnostics, host));
    console.log(`Found ${diagnostics.length} error${diagnostics.length === 1 ? "" : "s"}.`);
}

if (require.main === module) {
    const args = process.argv.slice(2);
    const unknown = args.filter((a) => a !== "--typecheck" && a !== "--lint");
    if (unknown.length > 0) {
        console.error(`static-checks: unknown ${unknown.join(" ")} (usage: static-checks [--typecheck] [--lint]; neither runs both)`);
        process.exit(2);
    }
    const both = args.length === 0;
    const checkout: Checkout = {
        root: projectRoot,
        projects: [
            { name: "infra", config: "tsconfig.json" },
            { name: "app", config: "app/tsconfig.json" },
        ],
        passed: new PassedChecks(),
    };
    staticChecks({ typecheck: both || args.includes("--typecheck"), lint: both || args.includes("--lint") }, checkout).then(
        ({ failed, summary }) => {
            console.log(`static checks: ${summary.join("; ")}`);
            process.exitCode = failed ? 1 : 0;
        },
        (err: Error) => {
            console.error(err.stack ?? err.message);
            process.exitCode = 1;
        },
    );
}
