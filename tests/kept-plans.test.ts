/**
 * The plan worker's kept plans (tests/support/kept-plans.ts): used only while everything they were
 * computed from answers as it did, and, in this run, the same as plans computed now.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../tools/project-root";
import { keepPlans, keptPlans, recordInputs, withRootFilledIn, withRootMarked } from "./support/kept-plans";
import { sharedPlan } from "./support/shared-plans";

describe("kept plans", () => {
    let work: string;
    let store: string;
    const plans = { "dev-1.json": '{"stack":"dev"}', "prod-1.json": '{"stack":"prod"}' };
    const saved = process.env.SHOP_KEPT_PLANS_TEST;
    beforeEach(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "kept-plans-"));
        store = path.join(work, "store");
        fs.mkdirSync(path.join(work, "stacks"));
        fs.writeFileSync(path.join(work, "stacks", "one.ts"), "one");
        fs.writeFileSync(path.join(work, "Pulumi.dev.yaml"), "config: {}\n");
    });
    afterEach(() => {
        fs.rmSync(work, { recursive: true, force: true });
        if (saved === undefined) delete process.env.SHOP_KEPT_PLANS_TEST;
        else process.env.SHOP_KEPT_PLANS_TEST = saved;
    });

    /** Reads what a plan would: a file, a folder, a path that is not there, a command's answer; and keeps `plans` under it. */
    const computeAndKeep = () => {
        const recording = recordInputs([path.join(work, "run")]);
        fs.readFileSync(path.join(work, "Pulumi.dev.yaml"));
        fs.readdirSync(path.join(work, "stacks"));
        fs.existsSync(path.join(work, "Pulumi.staging.yaml"));
        spawnSync("cat", [path.join(work, "stacks", "one.ts")]);
        fs.mkdirSync(path.join(work, "run"));
        fs.readdirSync(path.join(work, "run"));
        const inputs = recording.stop();
        keepPlans(inputs, plans, store);
        return inputs;
    };

    it("are used while every file, folder, path, command and variable a computation read answers as it did", () => {
        const inputs = computeAndKeep();
        expect(inputs.map(([kind, what]) => [kind, what])).toEqual(
            expect.arrayContaining([
                ["file", path.join(work, "Pulumi.dev.yaml")],
                ["folder", path.join(work, "stacks")],
                ["exists", path.join(work, "Pulumi.staging.yaml")],
                ["command", JSON.stringify({ command: "cat", args: [path.join(work, "stacks", "one.ts")] })],
                ["environment", ""],
            ]),
        );
        // The run's own folder, which the worker writes and polls, is none of them; nor is anything read after the recording stopped.
        expect(inputs.some(([, what]) => what.includes(path.join(work, "run")))).toBe(false);
        fs.readFileSync(path.join(work, "stacks", "one.ts"));
        expect(keptPlans(store)).toEqual(plans);

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
            ["a variable of the environment", () => (process.env.SHOP_KEPT_PLANS_TEST = "1"), () => delete process.env.SHOP_KEPT_PLANS_TEST],
        ];
        for (const [what, change, undo] of changes) {
            change();
            expect([what, keptPlans(store)]).toEqual([what, undefined]);
            undo();
            expect([what, keptPlans(store)]).toEqual([what, plans]);
        }
    });

    it("are not read from a store that someone else could have written", () => {
        computeAndKeep();
        fs.chmodSync(store, 0o777);
        expect(keptPlans(store)).toBeUndefined();
        fs.chmodSync(store, 0o700);
        expect(keptPlans(store)).toEqual(plans);
    });

    it("keep the checkout's path as a mark, so that a clone elsewhere reads them with its own", () => {
        const plan = JSON.stringify({ context: path.join(projectRoot, "app"), other: `${projectRoot}-old/app`, root: projectRoot });
        const marked = withRootMarked(plan);
        expect(marked).not.toContain(path.join(projectRoot, "app"));
        expect(marked).toContain(`${projectRoot}-old/app`);
        expect(JSON.parse(withRootFilledIn(marked, { json: true, root: "/elsewhere/clone" }))).toEqual({
            context: "/elsewhere/clone/app",
            other: `${projectRoot}-old/app`,
            root: "/elsewhere/clone",
        });
    });

    it("are, in this run, the plans computed now (dev with its image's build, prod at the last stage)", async () => {
        const { planStack } = await import("../tools/plan");
        for (const stack of ["dev", "prod"]) expect(await sharedPlan(stack, 15)).toEqual(await planStack(stack, "15"));
    }, 120_000);
});
