import { evaluate } from "../policy/rules";
import { stages as allStages } from "../stacks/registry";
import { Plan, PlanResource } from "../tools/plan";
import { BackupPlan } from "../components/data/backup-plan";
import { sharedPlan } from "./support/shared-plans";

const stages = allStages.map((s) => s.number);
const plans: Record<string, Plan> = {};
beforeAll(async () => {
    for (const stack of ["dev", "prod"]) for (const stage of stages) plans[`${stack}-${stage}`] = await sharedPlan(stack, stage);
}, 600_000);

const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
/** The stateful resources that hold the shop's data in the home region: primary clusters, the data volume, the media bucket. */
const dataHeld = (plan: Plan) =>
    plan.resources.filter(
        (r) =>
            (r.type === "aws:rds/cluster:Cluster" && r.inputs.globalClusterIdentifier === undefined) ||
            r.type === "aws:ebs/volume:Volume" ||
            (r.type === "aws:s3/bucketV2:BucketV2" && r.name.startsWith("shop-media-")) ||
            (r.type === "aws:s3/bucket:Bucket" && r.name.startsWith("shop-media-")),
    );
const regionsOf = (plan: Plan) => [...new Set(plan.resources.map((r) => r.region).filter((r): r is string => Boolean(r)))];

describe("backups of every stage", () => {
    it.each(stages)("stage %i: one plan selects every primary cluster, the data volume and the media bucket, in both stacks", (stage) => {
        for (const stack of ["dev", "prod"]) {
            const plan = plans[`${stack}-${stage}`];
            const [selection, ...more] = ofType(plan, "aws:backup/selection:Selection");
            expect([stack, more.length]).toEqual([stack, 0]);
            expect([stack, (selection.inputs.resources as unknown[]).length]).toEqual([stack, dataHeld(plan).length]);
            expect(dataHeld(plan).length).toBeGreaterThanOrEqual(stage === 1 ? 1 : 2);
            expect(plan.outputs.backup).toMatchObject({ vaultName: expect.anything(), roleArn: expect.anything() });
        }
    });

    it.each(stages)("stage %i: prod keeps daily and monthly points in locked vaults, copied to every other region; dev daily, unlocked", (stage) => {
        const prod = plans[`prod-${stage}`];
        const [prodPlan] = ofType(prod, "aws:backup/plan:Plan");
        const rules = prodPlan.inputs.rules as { ruleName: string; schedule: string; lifecycle: { deleteAfter: number }; copyActions?: unknown[] }[];
        expect(rules.map((r) => [r.ruleName, r.schedule, r.lifecycle.deleteAfter])).toEqual([
            ["daily", "cron(0 5 ? * * *)", 35],
            ["monthly", "cron(0 5 1 * ? *)", 365],
        ]);
        const vaults = ofType(prod, "aws:backup/vault:Vault");
        const locks = ofType(prod, "aws:backup/vaultLockConfiguration:VaultLockConfiguration");
        expect(locks.map((l) => l.name).sort()).toEqual(vaults.map((v) => v.name).sort());
        for (const lock of locks) {
            // Governance mode: no grace period after which the lock would harden into compliance mode.
            expect(lock.inputs.changeableForDays).toBeUndefined();
            for (const rule of rules) expect(rule.lifecycle.deleteAfter).toBeLessThanOrEqual(lock.inputs.maxRetentionDays as number);
            expect(lock.inputs.minRetentionDays as number).toBeLessThanOrEqual(Math.min(...rules.map((r) => r.lifecycle.deleteAfter)));
        }
        expect(vaults.every((v: PlanResource) => v.protect && v.inputs.forceDestroy === false)).toBe(true);
        // A vault in every region the stage serves, copies going to all but the home one.
        expect(vaults.map((v) => v.region).sort()).toEqual(regionsOf(prod).sort());
        for (const rule of rules) expect(rule.copyActions ?? []).toHaveLength(regionsOf(prod).length - 1);

        const dev = plans[`dev-${stage}`];
        const [devPlan] = ofType(dev, "aws:backup/plan:Plan");
        expect((devPlan.inputs.rules as { ruleName: string; lifecycle: { deleteAfter: number } }[]).map((r) => [r.ruleName, r.lifecycle.deleteAfter])).toEqual([
            ["daily", 7],
        ]);
        expect(ofType(dev, "aws:backup/vaultLockConfiguration:VaultLockConfiguration")).toEqual([]);
        expect(ofType(dev, "aws:backup/vault:Vault").every((v) => v.inputs.forceDestroy === true && !v.protect)).toBe(true);
    });

    it("the policy refuses prod data no selection holds and a vault without a lock", () => {
        const plan = plans["prod-6"];
        const views = (resources: PlanResource[]) => resources.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs, protect: Boolean(r.protect) }));
        expect(evaluate(views(plan.resources), "prod").filter((v) => v.rule === "prod-backed-up")).toEqual([]);
        const unlocked = plan.resources.filter((r) => r.type !== "aws:backup/vaultLockConfiguration:VaultLockConfiguration");
        expect(
            evaluate(views(unlocked), "prod")
                .filter((v) => v.rule === "prod-backed-up")
                .map((v) => v.message),
        ).toEqual(["aws:backup/vault:Vault shop-backup: needs a vault lock (governance mode at least)"]);
        const unselected = plan.resources.filter((r) => r.type !== "aws:backup/selection:Selection");
        expect(
            evaluate(views(unselected), "prod")
                .filter((v) => v.rule === "prod-backed-up")
                .map((v) => v.message),
        ).toEqual([expect.stringMatching(/^backup selections hold 0 resource\(s\), fewer than the \d+ primary cluster\(s\) and volume\(s\)/)]);
    });

    it("refuses retentions the lock or AWS Backup would refuse, naming each, before registering anything", () => {
        expect(() => new BackupPlan("b", { resources: [], production: true, dailyRetentionDays: 3, monthlyRetentionDays: 10 })).toThrow(
            'BackupPlan "b" has invalid arguments:\n  - dailyRetentionDays must be an integer from 7 to 35 (got 3)\n  - monthlyRetentionDays must be an integer from 90 to 3650 (got 10)\n  - resources must name at least one resource to back up',
        );
    });
});
