/**
 * Jest's runtime for this project (tests/support/code-cached-runtime.js): a module's source compiled
 * again in the same worker runs the script made the first time, in the context of the file that
 * loads it; a changed source is compiled afresh.
 */
import * as path from "node:path";
import * as vm from "node:vm";

type Compiled = ReturnType<typeof vm.compileFunction> & { compiledBefore?: boolean };

describe("the code-cached runtime", () => {
    const filename = `/virtual/module-${process.pid}-${Date.now()}.js`;
    const compile = (code: string, params: string[], context = vm.createContext({})) =>
        vm.compileFunction(code, params, { filename, parsingContext: context }) as Compiled;

    it("runs a source compiled before from the script made of it, in the context of the file that loads it, with state of its own", () => {
        const [one, two] = [vm.createContext({ marker: "one" }), vm.createContext({ marker: "two" })];
        const code = "let calls = 0; return [globalThis.marker, a + 1, () => ++calls]";
        const first = compile(code, ["a"], one);
        const again = compile(code, ["a"], two);
        const [firstRun, againRun] = [first(1) as [string, number, () => number], again(2) as [string, number, () => number]];
        expect([first.compiledBefore, again.compiledBefore]).toEqual([undefined, true]);
        expect([firstRun[0], firstRun[1], againRun[0], againRun[1]]).toEqual(["one", 2, "two", 3]);
        // Each load has its own module state: a call through one leaves the other's as it was.
        expect([firstRun[2](), firstRun[2](), againRun[2]()]).toEqual([1, 2, 1]);
    });

    it("keeps the module's lines as its source's, for stack traces and source maps", () => {
        const thrower = compile("\n\nthrow new Error('on line 3')", []);
        expect(() => thrower()).toThrow("on line 3");
        try {
            thrower();
        } catch (err) {
            expect((err as Error).stack).toContain(`${filename}:3:7`);
        }
    });

    it("compiles afresh a module that calls import(), whose callback a kept script would lose", async () => {
        const importing = `/virtual/importing-${process.pid}-${Date.now()}.js`;
        const options = { filename: importing, importModuleDynamically: async (specifier: string) => (await import(specifier)) as vm.Module };
        for (let run = 0; run < 2; run++) {
            const load = vm.compileFunction("return import('node:path')", [], { ...options, parsingContext: vm.createContext({}) }) as Compiled;
            expect([run, load.compiledBefore, typeof ((await load()) as typeof path).join]).toEqual([run, undefined, "function"]);
        }
    });

    it("compiles a changed source, or other parameters, afresh, and keeps its script in place of the old", () => {
        const changed = compile("return a * 10", ["a"]);
        expect([changed(2), changed.compiledBefore]).toEqual([20, undefined]);
        const renamed = compile("return a * 10", ["a", "b"]);
        expect([renamed(2), renamed.compiledBefore]).toEqual([20, undefined]);
        const again = compile("return a * 10", ["a", "b"]);
        expect([again(3), again.compiledBefore]).toEqual([30, true]);
    });

    it("leaves what it cannot compile to Jest's own compile, and its error", () => {
        // node's SyntaxError, of the worker's realm, not this file's.
        expect(() => compile("return (", [])).toThrow(expect.objectContaining({ name: "SyntaxError", message: "Unexpected end of input" }));
    });
});
