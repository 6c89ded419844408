/**
 * Jest's runtime for this project (tests/support/code-cached-runtime.js): a module's source compiled
 * again in the same worker is given the code V8 made of it the first time; a changed source is not.
 */
import * as path from "node:path";
import * as vm from "node:vm";

type Compiled = ReturnType<typeof vm.compileFunction> & { cachedDataRejected?: boolean };

describe("the code-cached runtime", () => {
    const filename = `/virtual/module-${process.pid}-${Date.now()}.js`;

    it("hands a source compiled before the code V8 made of it, which V8 takes", () => {
        const first = vm.compileFunction("return a + 1", ["a"], { filename }) as Compiled;
        const again = vm.compileFunction("return a + 1", ["a"], { filename }) as Compiled;
        expect([first(1), first.cachedDataRejected, again(2), again.cachedDataRejected]).toEqual([2, undefined, 3, false]);
    });

    it("compiles afresh a module that calls import(), whose callback kept code would lose", async () => {
        const importing = `/virtual/importing-${process.pid}-${Date.now()}.js`;
        const options = { filename: importing, importModuleDynamically: async (specifier: string) => (await import(specifier)) as vm.Module };
        for (let run = 0; run < 2; run++) {
            const load = vm.compileFunction("return import('node:path')", [], options) as Compiled;
            expect([run, load.cachedDataRejected, typeof ((await load()) as typeof path).join]).toEqual([run, undefined, "function"]);
        }
    });

    it("compiles a changed source afresh, and keeps its code in place of the old", () => {
        const changed = vm.compileFunction("return a * 10", ["a"], { filename }) as Compiled;
        expect([changed(2), changed.cachedDataRejected]).toEqual([20, undefined]);
        const again = vm.compileFunction("return a * 10", ["a"], { filename }) as Compiled;
        expect([again(3), again.cachedDataRejected]).toEqual([30, false]);
    });
});
