/**
 * The plan worker's kept plans, deployments and plans of stack files (tests/support/kept-results.ts): used only while
 * everything they were computed from answers as it did, and, in this run, the same as computed now.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../tools/project-root";
import { keepResults, keptResults, keptResultsDir, recordInputs, withRootFilledIn, withRootMarked } from "./support/kept-results";
import { deploymentMarks } from "./support/plan-worker";
import { DeployedStage, deploymentsFolder, sharedDeployment } from "./support/shared-deployments";
import { sharedConfigPlan, sharedPlan } from "./support/shared-plans";
import { readStackConfigFile } from "../tools/stack-files";

describe("kept results", () => {
    let work: string;
    let store: string;
    const plans = { "dev-1.json": '{"stack":"dev"}', "prod-1.json": '{"stack":"prod"}' };
    const saved = process.env.SHOP_KEPT_RESULTS_TEST;
    beforeEach(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "kept-results-"));
        store = path.join(work, "store");
        fs.mkdirSync(path.join(work, "stacks"));
        fs.writeFileSync(path.join(work, "stacks", "one.ts"), "one");
        fs.writeFileSync(path.join(work, "Pulumi.dev.yaml"), "config: {}\n");
        execFileSync("git", ["init", "-q", work]);
    });
    afterEach(() => {
        fs.rmSync(work, { recursive: true, force: true });
        if (saved === undefined) delete process.env.SHOP_KEPT_RESULTS_TEST;
        else process.env.SHOP_KEPT_RESULTS_TEST = saved;
    });

    const gitArgs = () => ["-C", work, "hash-object", "stacks/one.ts"];
    /** Reads what a plan would: a file, a folder, a path that is not there, git's answer; and keeps `plans` under it. */
    const computeAndKeep = () => {
        const recording = recordInputs([path.join(work, "run")]);
        fs.readFileSync(path.join(work, "Pulumi.dev.yaml"));
        fs.readdirSync(path.join(work, "stacks"));
        fs.existsSync(path.join(work, "Pulumi.staging.yaml"));
        spawnSync("git", gitArgs(), { encoding: "utf8" });
        fs.mkdirSync(path.join(work, "run"));
        fs.readdirSync(path.join(work, "run"));
        const recorded = recording.stop();
        if (!("inputs" in recorded)) throw new Error(recorded.unkept);
        keepResults("plans", recorded.inputs, plans, { store });
        return recorded.inputs;
    };

    it("are used while every file, folder, path, command and variable a computation read answers as it did", () => {
        const inputs = computeAndKeep();
        expect(inputs.map(([kind, what]) => [kind, what])).toEqual(
            expect.arrayContaining([
                ["file", path.join(work, "Pulumi.dev.yaml")],
                ["folder", path.join(work, "stacks")],
                ["exists", path.join(work, "Pulumi.staging.yaml")],
                ["command", JSON.stringify({ command: "git", args: gitArgs() })],
                ["environment", ""],
            ]),
        );
        // The run's own folder, which the worker writes and polls, is none of them.
        expect(inputs.some(([, what]) => what.includes(path.join(work, "run")))).toBe(false);
        expect(keptResults("plans", { store })).toEqual(plans);

        const changes: [string, () => void, () => void][] = [
            [
                "a file's content",
                () => fs.writeFileSync(path.join(work, "Pulumi.dev.yaml"), "config: {x: 1}\n"),
                () => fs.writeFileSync(path.join(work, "Pulumi.dev.yaml"), "config: {}\n"),
            ],
            ["a folder's listing", () => fs.writeFileSync(path.join(work, "stacks", "two.ts"), ""), () => fs.rmSync(path.join(work, "stacks", "two.ts"))],
            [
                "a path that was not there",
                () => fs.writeFileSync(path.join(work, "Pulumi.staging.yaml"), ""),
                () => fs.rmSync(path.join(work, "Pulumi.staging.yaml")),
            ],
            [
                "a command's answer",
                () => fs.writeFileSync(path.join(work, "stacks", "one.ts"), "two"),
                () => fs.writeFileSync(path.join(work, "stacks", "one.ts"), "one"),
            ],
            ["a variable of the environment", () => (process.env.SHOP_KEPT_RESULTS_TEST = "1"), () => delete process.env.SHOP_KEPT_RESULTS_TEST],
        ];
        for (const [what, change, undo] of changes) {
            change();
            expect([what, keptResults("plans", { store })]).toEqual([what, undefined]);
            undo();
            expect([what, keptResults("plans", { store })]).toEqual([what, plans]);
        }
    });

    it("are not read from a store that someone else could have written", () => {
        computeAndKeep();
        fs.chmodSync(path.join(store, "plans"), 0o777);
        expect(keptResults("plans", { store })).toBeUndefined();
        fs.chmodSync(path.join(store, "plans"), 0o700);
        expect(keptResults("plans", { store })).toEqual(plans);
    });

    it("are kept only when the recording saw every read and nothing changed while they were computed", () => {
        const stopAfter = (read: () => void) => {
            const recording = recordInputs([]);
            try {
                read();
            } finally {
                // eslint-disable-next-line no-unsafe-finally
                return recording.stop();
            }
        };
        expect(stopAfter(() => fs.readFileSync(path.join(work, "Pulumi.dev.yaml")))).toHaveProperty("inputs");
        // A file written is not read.
        expect(stopAfter(() => fs.writeFileSync(path.join(work, "written.txt"), "x"))).toHaveProperty("inputs");
        const fd = fs.openSync(path.join(work, "Pulumi.dev.yaml"), "r");
        expect(stopAfter(() => fs.readFileSync(fd))).toEqual({ unkept: "the computation read what is not recorded: a file read by a descriptor or a Buffer" });
        fs.closeSync(fd);
        expect(stopAfter(() => execFileSync("git", gitArgs()))).toEqual({ unkept: "the computation read what is not recorded: git run through execFileSync" });
        expect(stopAfter(() => spawnSync("cat", [path.join(work, "stacks", "one.ts")]))).toEqual({
            unkept: "the computation read what is not recorded: cat run through spawnSync",
        });
        expect(stopAfter(() => fs.readdirSync(work, { recursive: true }))).toEqual({
            unkept: "the computation read what is not recorded: a folder listed with all below it",
        });
        expect(
            stopAfter(() => {
                fs.readFileSync(path.join(work, "Pulumi.dev.yaml"));
                fs.writeFileSync(path.join(work, "Pulumi.dev.yaml"), "config: {edited: meanwhile}\n");
            }),
        ).toEqual({ unkept: `${path.join(work, "Pulumi.dev.yaml")} changed during the computation` });
    });

    it("record the modules node loads meanwhile, and where their links lead, and leave node's functions as they were", () => {
        fs.mkdirSync(path.join(work, "real"));
        fs.writeFileSync(path.join(work, "real", "module.js"), "module.exports = 42;");
        fs.symlinkSync(path.join(work, "real"), path.join(work, "linked"));
        // In a process of its own, as the plan worker runs: node's loader, not Jest's.
        const script = `
            const fs = require("node:fs");
            const childProcess = require("node:child_process");
            const { promisify } = require("node:util");
            const { recordInputs } = require(${JSON.stringify(path.join(__dirname, "support", "kept-results.ts"))});
            const originals = [fs.readFileSync, fs.realpathSync, fs.realpathSync.native, childProcess.spawnSync, childProcess.exec];
            const recording = recordInputs([]);
            const shapes = [typeof childProcess.exec[promisify.custom], typeof fs.realpathSync.native];
            const loaded = require(${JSON.stringify(path.join(work, "linked", "module.js"))});
            const recorded = recording.stop();
            const now = [fs.readFileSync, fs.realpathSync, fs.realpathSync.native, childProcess.spawnSync, childProcess.exec];
            console.log(JSON.stringify({ loaded, shapes, restored: now.every((f, i) => f === originals[i]), recorded }));`;
        const { loaded, shapes, restored, recorded } = JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8" })) as {
            loaded: number;
            shapes: string[];
            restored: boolean;
            recorded: { inputs: [string, string, string][] };
        };
        expect([loaded, shapes, restored]).toEqual([42, ["function", "function"], true]);
        const about = recorded.inputs.filter(([, what]) => what.startsWith(work)).map(([kind, what, digest]) => [kind, what, kind === "link" ? digest : ""]);
        expect(about).toEqual(
            expect.arrayContaining([
                ["link", path.join(work, "linked", "module.js"), fs.realpathSync(path.join(work, "real", "module.js"))],
                ["file", fs.realpathSync(path.join(work, "real", "module.js")), ""],
            ]),
        );
    });

    it("record a module loaded before the recording began as node loaded it: a file rebuilt since is a change", () => {
        fs.writeFileSync(path.join(work, "loaded.js"), "module.exports = 1;");
        // In a process of its own, as the plan worker runs: node's loader, not Jest's.
        const script = `
            const fs = require("node:fs");
            const { recordInputs, watchModuleLoads } = require(${JSON.stringify(path.join(__dirname, "support", "kept-results.ts"))});
            watchModuleLoads();
            const file = ${JSON.stringify(path.join(work, "loaded.js"))};
            require(file);
            const asLoaded = recordInputs([]).stop();
            fs.writeFileSync(file, "module.exports = 2;");
            const rebuilt = recordInputs([]).stop();
            console.log(JSON.stringify({ asLoaded: "inputs" in asLoaded, rebuilt }));`;
        const { asLoaded, rebuilt } = JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8" })) as {
            asLoaded: boolean;
            rebuilt: unknown;
        };
        expect([asLoaded, rebuilt]).toEqual([true, { unkept: `${path.join(work, "loaded.js")} changed during the computation` }]);
    });

    it("keep the checkout's path as a mark, so that a clone elsewhere reads them with its own", () => {
        const plan = JSON.stringify({ context: projectRoot, dockerfile: path.join(projectRoot, "app", "Dockerfile"), image: "shop:latest" });
        const marked = withRootMarked(plan)!;
        expect(marked).not.toContain(projectRoot);
        expect(JSON.parse(withRootFilledIn(marked, "/elsewhere/clone"))).toEqual({
            context: "/elsewhere/clone",
            dockerfile: "/elsewhere/clone/app/Dockerfile",
            image: "shop:latest",
        });
        // A fixed path that only begins with the checkout's (a checkout at /srv/shop, a file at /srv/shop/certs), or any other
        // mention of it: not marked, and the plans are kept for this checkout's path only.
        for (const other of [path.join(projectRoot, "no-such-file"), `${projectRoot}-old/app`, `cd ${projectRoot}`]) {
            const unmarkable = JSON.stringify({ context: projectRoot, other });
            expect([other, withRootMarked(unmarkable)]).toEqual([other, undefined]);
            keepResults("plans", [["environment", "", other]], { "dev-1.json": unmarkable }, { store });
        }
        const kept = fs.readdirSync(path.join(store, "plans")).filter((name) => name.endsWith(".inputs.json"));
        expect(kept).toHaveLength(3);
        expect(
            kept.map((name) => JSON.parse(fs.readFileSync(path.join(store, "plans", name), "utf8")).some(([kind]: [string]) => kind === "checkout")),
        ).toEqual(kept.map(() => true));
    });

    it("are looked up, in a run, against what each input answered when first asked, and by computation", () => {
        computeAndKeep();
        const answers = new Map<string, string>();
        expect(keptResults("plans", { store, answers })).toEqual(plans);
        // The worker's later lookups in the same run: the inputs as they were at its first, each hashed once.
        fs.writeFileSync(path.join(work, "Pulumi.dev.yaml"), "config: {edited: meanwhile}\n");
        expect(keptResults("plans", { store, answers })).toEqual(plans);
        expect(keptResults("plans", { store })).toBeUndefined();
        // Another computation's records are its own: none until it keeps one, and then that one, beside the plans.
        expect(keptResults("deployments/dev-1", { store, answers })).toBeUndefined();
        const deployment = { "dev-1.json": '{"resources":[]}' };
        keepResults("deployments/dev-1", [], deployment, { store });
        expect([keptResults("deployments/dev-1", { store, answers }), keptResults("plans", { store, answers })]).toEqual([deployment, plans]);
    });

    /** Removes every kept result and fails, when a result of this run is not what is computed now. */
    const expectComputedNow = (what: string, shared: unknown, now: unknown) => {
        if (JSON.stringify(shared) !== JSON.stringify(now)) {
            // Kept results that something they were computed from no longer makes: none is used again.
            fs.rmSync(keptResultsDir(), { recursive: true, force: true });
            throw new Error(`the run's ${what} is not the one computed now: the kept results (${keptResultsDir()}) are removed; run again`);
        }
        expect(shared).toEqual(now);
    };

    it("are, in this run, the plans computed now (dev with its image's build, prod at the last stage)", async () => {
        const { planStack } = await import("../tools/plan");
        for (const stack of ["dev", "prod"]) expectComputedNow(`${stack} plan of stage 15`, await sharedPlan(stack, 15), await planStack(stack, "15"));
    }, 120_000);

    it("are, in this run, the deployments computed now (prod at the last stage, and one kept when that one was not)", async () => {
        const { deployStage } = await import("./support/deploy-stage");
        const shared = await sharedDeployment("prod", 15);
        expectComputedNow("prod deployment of stage 15", shared, new DeployedStage(await deployStage("prod", 15)));
        // Computed in this run, it compared the computation with itself: then one the run found kept, if any.
        const folder = path.join(process.env.SHOP_PLAN_DIR ?? "", deploymentsFolder);
        const marks = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
        const kept = marks.filter((name) => name.endsWith(`.json${deploymentMarks.kept}`)).sort();
        if (!marks.includes(`prod-15.json${deploymentMarks.kept}`) && kept.length > 0) {
            const [, stack, stage] = kept[0].match(/^(dev|prod)-(\d+)\./)!;
            expectComputedNow(
                `${stack} deployment of stage ${stage}`,
                await sharedDeployment(stack as "dev" | "prod", Number(stage)),
                new DeployedStage(await deployStage(stack as "dev" | "prod", Number(stage))),
            );
        }
    }, 120_000);
    it("are, in this run, the plans of stack files computed now (prod's at stage 2, as a promotion plans it)", async () => {
        const { planConfig } = await import("../tools/plan");
        const config = { ...readStackConfigFile("prod"), "shop-evolution:stage": "separate-db" };
        expectComputedNow("plan of prod's stack file at stage 2", await sharedConfigPlan("prod", config), await planConfig("prod", config));
    }, 120_000);
});
