import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../tools/project-root";

/** Runs a script with plain node in the project's directory (where node_modules is); its stdout's last line as JSON. No warnings: the SDK's closure code loads deprecated modules. */
function runScript(script: string, args: string[] = []): unknown {
    const result = spawnSync(process.execPath, ["--no-warnings", "-e", script, "--", ...args], {
        cwd: projectRoot,
        encoding: "utf8",
        env: { ...process.env, NODE_OPTIONS: "" },
    });
    expect([result.status, result.stderr]).toEqual([0, ""]);
    return JSON.parse(result.stdout.trim().split("\n").pop()!);
}

describe("the compiled tools' runner (tools/compiled.js)", () => {
    it("loads the SDK's closure-only modules at their first use, and the SDK still serializes a closure with them", () => {
        const script = `
            const { loadOnFirstUse } = require("./tools/compiled");
            const { types } = require("node:util");
            loadOnFirstUse();
            const pulumi = require("@pulumi/pulumi");
            const standIns = () => Object.keys(require.cache)
                .filter((file) => /node_modules\\/(typescript\\/lib\\/typescript\\.js|@npmcli\\/arborist\\/lib\\/index\\.js)$/.test(file))
                .filter((file) => types.isProxy(require.cache[file].exports)).length;
            const atLoad = standIns();
            (async () => {
                const closure = await pulumi.runtime.serializeFunction(function handler() { return "served"; });
                const codePaths = await pulumi.runtime.computeCodePaths({ extraIncludePackages: ["yaml"] });
                console.log(JSON.stringify({ atLoad, afterUse: standIns(), closure: closure.text.includes('"served"'), yaml: [...codePaths.keys()].some((p) => p.includes("node_modules/yaml")) }));
            })();`;
        expect(runScript(script)).toEqual({ atLoad: 2, afterUse: 0, closure: true, yaml: true });
    }, 120_000);

    it("compiles a module from V8's code cache only while its source is the one cached (v8-compile-cache, as the runner uses it)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "code-cache-"));
        try {
            const module = path.join(dir, "answer.js");
            const script = `
                process.env.V8_COMPILE_CACHE_CACHE_DIR = process.argv[1];
                require("v8-compile-cache");
                console.log(JSON.stringify(require(process.argv[2])()));`;
            const run = () => runScript(script, [path.join(dir, "cache"), module]);
            fs.writeFileSync(module, 'module.exports = () => "first";');
            expect(run()).toBe("first");
            expect(fs.readdirSync(path.join(dir, "cache"))).not.toHaveLength(0);
            expect(run()).toBe("first");
            // The same length, another source: the new source runs, never the cached code.
            fs.writeFileSync(module, 'module.exports = () => "other";');
            expect(run()).toBe("other");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }, 60_000);

    it("removes the modules a build no longer writes (a source renamed or removed), and keeps what runs keep beside them", () => {
        const { removeUnbuilt } = jest.requireActual<typeof import("../tools/compiled")>("../tools/compiled");
        const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "compiled-out-"));
        try {
            const files = ["x.js", "x/index.js", "old.js", "sub/gone.js", "code-cache/kept.js", "compiled-schemas/serializer-1.js", "notes.txt"];
            for (const file of files) {
                fs.mkdirSync(path.dirname(path.join(outdir, file)), { recursive: true });
                fs.writeFileSync(path.join(outdir, file), "");
            }
            // x.ts renamed to x/index.ts: this build wrote x/index.js, not x.js, which node would otherwise still load for "./x".
            removeUnbuilt(outdir, [path.join(outdir, "x", "index.js")]);
            const left = files.filter((file) => fs.existsSync(path.join(outdir, file)));
            expect(left).toEqual(["x/index.js", "code-cache/kept.js", "compiled-schemas/serializer-1.js", "notes.txt"]);
        } finally {
            fs.rmSync(outdir, { recursive: true, force: true });
        }
    });
    it("runs a tool that imports the runner itself as one module with it, and leaves an ES module a package requires to node", () => {
        // The lab imports tools/compiled.js (for the shop's entry) while the runner is its main module; the build puts a
        // module in bin/ that requires the source. autocannon's dependencies hand require() an .mjs file.
        const script = `
            const path = require("node:path");
            const runner = require("./tools/compiled");
            runner.buildIfStale();
            const forwarded = require("./bin/tools/compiled");
            console.log(JSON.stringify({ same: forwarded === runner, source: require.resolve("./bin/tools/compiled") !== require.resolve("./tools/compiled") }));`;
        expect(runScript(script)).toEqual({ same: true, source: true });
        const lab = spawnSync(process.execPath, ["tools/compiled.js", "tools/lab/lab.ts", "--stage", "16"], { cwd: projectRoot, encoding: "utf8" });
        // Past loading every module of the lab (autocannon's among them) to its own check of the arguments.
        expect([lab.status, lab.stderr.trim()]).toEqual([2, expect.stringMatching(/^lab: --stage must be a number 1-15 .*\(got "16"\)$/)]);
    }, 120_000);
});
