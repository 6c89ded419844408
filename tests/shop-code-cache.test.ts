import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const hook = path.join(__dirname, "..", "tools", "servers", "shop-code-cache.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-code-cache-"));
/** Where the hook keeps the code here: a directory of this test's own, not the shop processes'. */
const cacheDir = path.join(dir, "kept");

/** Runs `main` with plain node and the hook, as the shop processes run; its status, output and errors. */
function run(main: string): { status: number | null; stdout: string; stderr: string } {
    const env = { PATH: process.env.PATH, SHOP_CODE_CACHE_DIR: cacheDir };
    const { status, stdout, stderr } = spawnSync(process.execPath, ["--require", hook, main], { encoding: "utf8", env });
    return { status, stdout, stderr };
}

/** Where the hook keeps a module's compiled code: by its path and source. */
function keptFor(file: string): string {
    const hash = createHash("sha256").update(file).update("\0").update(fs.readFileSync(file, "utf8")).digest("hex");
    return path.join(cacheDir, `${hash.slice(0, 32)}.bin`);
}

describe("the shop processes' kept compiled code (tools/servers/shop-code-cache.js)", () => {
    const main = path.join(dir, "main.js");
    const helper = path.join(dir, "helper.js");
    const importing = path.join(dir, "importing.js");
    beforeAll(() => {
        fs.writeFileSync(helper, "exports.twice = (n) => n * 2;\nexports.where = () => new Error('here').stack.split('\\n')[1];\n");
        fs.writeFileSync(importing, "exports.load = () => import('node:os').then((os) => typeof os.cpus);\n");
        fs.writeFileSync(
            main,
            [
                "const { twice, where } = require('./helper');",
                "const { load } = require('./importing');",
                "load().then((kind) => console.log(JSON.stringify({ twice: twice(21), kind, where: where(), main: require.main === module, resolved: require.resolve('./helper') })));",
            ].join("\n"),
        );
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("keeps a module's code at its first run and compiles from it at the next, which runs the same", () => {
        for (const file of [main, helper]) fs.rmSync(keptFor(file), { force: true });
        const first = run(main);
        expect(first).toEqual({ status: 0, stderr: "", stdout: expect.any(String) });
        expect(JSON.parse(first.stdout)).toEqual({ twice: 42, kind: "function", where: expect.stringContaining(`${helper}:2:`), main: true, resolved: helper });
        const kept = [main, helper].map((file) => fs.statSync(keptFor(file)).mtimeMs);
        expect(run(main)).toEqual(first);
        expect([main, helper].map((file) => fs.statSync(keptFor(file)).mtimeMs)).toEqual(kept);
    });

    it("compiles a module that imports (`import(`) as node does: node 20 would lose its import callback with kept code", () => {
        expect(JSON.parse(run(main).stdout).kind).toBe("function");
        expect(fs.existsSync(keptFor(importing))).toBe(false);
    });

    it("leaves ES modules, which node 20 requires too, and a module that does not parse, to node", () => {
        const esm = path.join(dir, "esm.mjs");
        const detected = path.join(dir, "detected.js");
        const broken = path.join(dir, "broken.js");
        fs.writeFileSync(esm, "export const answer = 42;\n");
        fs.writeFileSync(detected, "export const detected = true;\n");
        fs.writeFileSync(broken, "exports.broken = (;\n");
        const requires = path.join(dir, "requires-esm.js");
        fs.writeFileSync(requires, "console.log(JSON.stringify({ ...require('./esm.mjs'), ...require('./detected.js') }));\n");
        const plain = spawnSync(process.execPath, [requires], { encoding: "utf8" });
        expect(JSON.parse(run(requires).stdout)).toEqual(JSON.parse(plain.stdout));
        const failing = path.join(dir, "requires-broken.js");
        fs.writeFileSync(failing, "require('./broken.js');\n");
        const { status, stderr } = run(failing);
        expect(status).toBe(1);
        expect(stderr).toContain(`${broken}:1`);
        expect(stderr).toContain("SyntaxError");
    });

    it("compiles from source where the kept code is damaged, and keeps it anew", () => {
        run(main);
        const file = keptFor(helper);
        fs.writeFileSync(file, "not V8's code");
        expect(JSON.parse(run(main).stdout).twice).toBe(42);
        expect(fs.readFileSync(file, "utf8")).not.toBe("not V8's code");
        // V8 took the new one: the next run keeps nothing anew.
        const kept = fs.statSync(file).mtimeMs;
        run(main);
        expect(fs.statSync(file).mtimeMs).toBe(kept);
    });
});
