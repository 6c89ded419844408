/**
 * The static checks (tools/static-checks.ts) on a checkout of their own: a check whose inputs did not
 * change is not run again, and one whose inputs did (its file, or a file its types come from) is, so
 * that a problem is never hidden by an earlier pass.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { graphMisses, importGraph } from "../tools/checks/import-graph";
import { PassedChecks } from "../tools/checks/passed-checks";
import { projectRoot } from "../tools/project-root";
import { Outcome, staticChecks } from "../tools/static-checks";

// Inside the project (its test-artifacts/ is ignored), so that the checkout's ESLint configuration finds typescript-eslint.
const root = path.join(projectRoot, "test-artifacts", `static-checks-${process.pid}`);
const cache = fs.mkdtempSync(path.join(os.tmpdir(), "static-checks-cache-"));
const record = path.join(cache, "passed-checks.json");
const savedCacheHome = process.env.XDG_CACHE_HOME;

const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
};

/** One run of the checks on the fixture: its outcome and everything it printed. */
async function check(which = { typecheck: true, lint: true }): Promise<Outcome & { printed: string }> {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.join(" "));
    const log = jest.spyOn(console, "log").mockImplementation(capture);
    const error = jest.spyOn(console, "error").mockImplementation(capture);
    try {
        const outcome = await staticChecks(which, { root, projects: [{ name: "fixture", config: "tsconfig.json" }], passed: new PassedChecks(record) });
        return { ...outcome, printed: lines.join("\n") };
    } finally {
        log.mockRestore();
        error.mockRestore();
    }
}

beforeAll(() => {
    process.env.XDG_CACHE_HOME = cache;
    fs.rmSync(root, { recursive: true, force: true });
    write(".gitignore", "node_modules\n");
    write(".prettierrc.json", '{ "tabWidth": 4, "printWidth": 160 }\n');
    write(
        "tsconfig.json",
        '{ "compilerOptions": { "target": "ES2022", "module": "commonjs", "lib": ["ES2022"], "types": [], "strict": true }, "include": ["src/**/*.ts"] }\n',
    );
    write(
        "eslint.config.mjs",
        [
            'import tseslint from "typescript-eslint";',
            'export default tseslint.config({ ignores: ["**/*.mjs"] }, ...tseslint.configs.recommended, {',
            "    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },",
            '    rules: { "@typescript-eslint/no-floating-promises": "error" },',
            "});",
            "",
        ].join("\n"),
    );
    write("src/later.ts", "export function later(): void {}\n");
    write("src/count.ts", "export const count: number = 1;\n");
    write("src/main.ts", 'import { count } from "./count";\nimport { later } from "./later";\n\nlater();\nexport const doubled: number = count * 2;\n');
    execFileSync("git", ["init", "-q"], { cwd: root });
});

afterAll(() => {
    if (savedCacheHome === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCacheHome;
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
});

describe("static checks", () => {
    it("check everything once, then nothing until an input changes", async () => {
        const first = await check();
        expect([first.failed, first.printed, first.summary]).toEqual([
            false,
            "",
            ["fixture: type-checked, 3 files linted, 0 unchanged", "format: 6 files checked, 0 unchanged"],
        ]);
        const again = await check();
        expect([again.failed, again.summary]).toEqual([
            false,
            ["fixture: type check unchanged, 0 files linted, 3 unchanged", "format: 0 files checked, 6 unchanged"],
        ]);
        // A file's own change re-checks it and what imports it, not the rest.
        write("src/count.ts", "export const count: number = 2;\n");
        expect((await check()).summary).toEqual(["fixture: type-checked, 2 files linted, 1 unchanged", "format: 1 files checked, 5 unchanged"]);
    }, 60_000);

    it("lint an unchanged file again when a file its types come from changed, and type-check it again", async () => {
        await check();
        // main.ts is as it was, but the function it calls now returns a promise nobody waits for.
        write("src/later.ts", "export async function later(): Promise<void> {}\n");
        const lint = await check({ typecheck: false, lint: true });
        expect(lint.failed).toBe(true);
        expect(lint.printed).toMatch(/src\/main\.ts[\s\S]*no-floating-promises/);
        // Not kept as passed: the next run reports it again.
        expect((await check({ typecheck: false, lint: true })).printed).toMatch(/no-floating-promises/);
        write("src/later.ts", "export function later(): void {}\n");
        write("src/count.ts", 'export const count = "two";\n');
        const types = await check({ typecheck: true, lint: false });
        expect(types.failed).toBe(true);
        expect(types.printed).toMatch(/src\/main\.ts\(5,\d+\): error TS2362/);
        expect((await check({ typecheck: true, lint: false })).failed).toBe(true);
        write("src/count.ts", "export const count: number = 2;\n");
        expect((await check()).failed).toBe(false);
    }, 60_000);

    it("keep no file's lint while the types do not check, and lint every file again when the project reaches a new package", async () => {
        expect((await check()).failed).toBe(false);
        // A type error: a type-aware rule could pass a file on an error type, so nothing linted now is kept.
        write("src/count.ts", 'export const count: number = "two";\n');
        for (let run = 0; run < 2; run++) expect((await check({ typecheck: false, lint: true })).summary[0]).toBe("fixture: 2 files linted, 1 unchanged");
        write("src/count.ts", "export const count: number = 2;\n");
        expect((await check()).failed).toBe(false);
        // A package's declarations (module augmentations, globals) reach every file once any file imports it.
        write("src/config.ts", 'import type { Linter } from "eslint";\nexport const rules: Linter.RulesRecord = {};\n');
        expect((await check({ typecheck: false, lint: true })).summary[0]).toBe("fixture: 4 files linted, 0 unchanged");
        fs.rmSync(path.join(root, "src/config.ts"));
    }, 60_000);

    it("fail a misformatted file every time, and a TypeScript file outside the project's files", async () => {
        write("src/ugly.ts", "export const ugly  =  1\n");
        for (let run = 0; run < 2; run++) {
            const outcome = await check({ typecheck: false, lint: true });
            expect([outcome.failed, outcome.printed]).toEqual([true, expect.stringContaining("[warn] src/ugly.ts")]);
        }
        fs.rmSync(path.join(root, "src/ugly.ts"));
        write("scripts/stray.ts", "export const stray: number = 1;\n");
        const stray = await check({ typecheck: false, lint: true });
        expect([stray.failed, stray.printed]).toEqual([true, expect.stringContaining("scripts/stray.ts: not among tsconfig.json's files")]);
        fs.rmSync(path.join(root, "scripts"), { recursive: true });
        write("tools/tsconfig.json", '{ "include": ["*.ts"] }\n');
        write("tools/tool.ts", "export const tool: number = 1;\n");
        const elsewhere = await check({ typecheck: false, lint: true });
        expect([elsewhere.failed, elsewhere.printed]).toEqual([
            true,
            expect.stringContaining("tools/tool.ts: under tools/tsconfig.json, which is not a project"),
        ]);
        fs.rmSync(path.join(root, "tools"), { recursive: true });
    }, 60_000);

    it("find every local file the program loads and every import it resolves, and name those it did not", () => {
        write("src/types.ts", "export type Count = number;\n");
        write("src/dynamic.ts", 'export const load = () => import("./count");\nexport type Counted = import("./types").Count;\n');
        const files = ["main.ts", "dynamic.ts"].map((f) => path.join(root, "src", f));
        const program = ts.createProgram(files, { types: [], lib: ["lib.es2022.d.ts"], module: ts.ModuleKind.CommonJS });
        const graph = importGraph(files, program.getCompilerOptions());
        expect(graph.dependencies(files[1]).map((f) => path.relative(root, f))).toEqual(["src/count.ts", "src/dynamic.ts", "src/types.ts"]);
        expect(graphMisses(graph, program)).toEqual([]);
        // A graph that did not start from every root misses what tsc loaded.
        const partial = importGraph([files[0]], program.getCompilerOptions());
        expect(graphMisses(partial, program).map((miss) => path.relative(root, miss))).toEqual([
            "src/types.ts (loaded by tsc)",
            "src/dynamic.ts (loaded by tsc)",
        ]);
        // A file edited between the graph's reading and tsc's.
        const before = importGraph(files, program.getCompilerOptions());
        write("src/types.ts", "export type Count = bigint;\n");
        const edited = ts.createProgram(files, { types: [], lib: ["lib.es2022.d.ts"], module: ts.ModuleKind.CommonJS });
        expect(graphMisses(before, edited).map((miss) => path.relative(root, miss))).toEqual(["src/types.ts (changed during the check)"]);
        // A script whose text looks like a module's to the graph (a line of a template begins with export): tsc says its declarations are global.
        write("src/script.ts", "const page = `\nexport ${1}`;\n");
        const withScript = [...files, path.join(root, "src/script.ts")];
        const scriptProgram = ts.createProgram(withScript, { types: [], lib: ["lib.es2022.d.ts"], module: ts.ModuleKind.CommonJS });
        expect(graphMisses(importGraph(withScript, scriptProgram.getCompilerOptions()), scriptProgram).map((miss) => path.relative(root, miss))).toEqual([
            "src/script.ts (declares beyond itself)",
        ]);
        fs.rmSync(path.join(root, "src/script.ts"));
        fs.rmSync(path.join(root, "src/types.ts"));
        fs.rmSync(path.join(root, "src/dynamic.ts"));
    });

    it("read no record of passes that another user could have written", async () => {
        await check();
        expect((await check()).summary[0]).toBe("fixture: type check unchanged, 0 files linted, 3 unchanged");
        fs.chmodSync(record, 0o666);
        expect((await check()).summary[0]).toBe("fixture: type-checked, 3 files linted, 0 unchanged");
    }, 60_000);
});
