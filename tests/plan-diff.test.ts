import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Plan, planJson } from "../tools/plan";
import { diffPlans, redact, renderDiff } from "../tools/plan-diff";
import { run as runProgram } from "./harness";
import { sharedPlan } from "./support/shared-plans";
import { projectRoot } from "../tools/project-root";

const resource = (type: string, name: string, inputs: Record<string, unknown> = {}): Plan["resources"][number] => ({
    urn: `urn:pulumi:prod::shop-evolution::${type}::${name}`,
    type,
    name,
    parent: null,
    region: "us-east-1",
    protect: true,
    retainOnDelete: false,
    inputs,
    dependsOn: [],
});
const plan = (stage: number, resources: Plan["resources"]): Plan => ({
    project: "shop-evolution",
    stack: "prod",
    stage: { number: stage, slug: `stage-${stage}` },
    resources,
    outputs: {},
});

describe("plan --diff", () => {
    const db = resource("aws:rds/cluster:Cluster", "orders", { engine: "aurora-postgresql", storageEncrypted: true, backupRetentionPeriod: 7 });
    const logs = resource("aws:s3/bucket:Bucket", "logs");
    const sg = resource("aws:ec2/securityGroup:SecurityGroup", "app", { description: "a" });

    it("lists what is added, removed and changed, by URN and input", () => {
        const diff = diffPlans(
            plan(4, [db, sg]),
            plan(5, [{ ...db, inputs: { ...db.inputs, backupRetentionPeriod: 14 } }, resource("aws:rds/clusterInstance:ClusterInstance", "orders-reader-1")]),
        );
        expect(diff.added.map((r) => r.name)).toEqual(["orders-reader-1"]);
        expect(diff.removed.map((r) => r.name)).toEqual(["app"]);
        expect(diff.changed.map((c) => [c.resource.name, c.inputs])).toEqual([["orders", ["backupRetentionPeriod"]]]);
        // A security group removed and a backup setting changed lose no data.
        expect(diff.dataAtRisk).toEqual([]);
    });

    it("flags a stateful resource removed, or changed in an input that replaces it", () => {
        const diff = diffPlans(plan(4, [db, logs]), plan(5, [{ ...db, inputs: { ...db.inputs, storageEncrypted: false } }]));
        expect(diff.dataAtRisk.map((d) => [d.resource.name, d.why])).toEqual([
            ["logs", "removed: its data is deleted (or kept out of the stack, if retained on delete)"],
            ["orders", "replaced: storageEncrypted cannot change in place"],
        ]);
        const text = renderDiff(plan(4, [db, logs]), plan(5, []), diffPlans(plan(4, [db, logs]), plan(5, [])));
        expect(text.split("\n").slice(0, 3)).toEqual([
            "prod stage 4 (stage-4) -> prod stage 5 (stage-5): 0 to add, 2 to remove, 0 to change, 0 to replace",
            "!! DATA AT RISK: aws:rds/cluster:Cluster orders removed: its data is deleted (or kept out of the stack, if retained on delete)",
            "!! DATA AT RISK: aws:s3/bucket:Bucket logs removed: its data is deleted (or kept out of the stack, if retained on delete)",
        ]);
    });

    it("compares the real plan with an earlier one on the command line, exiting 3 when data is at risk", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
        try {
            const run = (args: string[]) =>
                spawnSync(process.execPath, ["tools/compiled.js", "tools/plan.ts", ...args], {
                    cwd: projectRoot,
                    encoding: "utf8",
                    maxBuffer: 64 * 1024 * 1024,
                });
            const file = path.join(dir, "dev-3.json");
            fs.writeFileSync(file, JSON.stringify(planJson(await sharedPlan("dev", 3))));
            const safe = run(["--stack", "dev", "--stage", "4", "--diff", file]);
            expect(safe.status).toBe(0);
            expect(safe.stdout).toMatch(/^dev stage 3 \(cache\) -> dev stage 4 \(reverse-proxy\): \d+ to add, \d+ to remove, \d+ to change, \d+ to replace\n/);
            expect(safe.stdout).toContain("- aws:ec2/instance:Instance shop-server");
            expect(safe.stdout).not.toContain("DATA AT RISK");
            // Going back from stage 4 to 3 would delete the access-log buckets stage 4 made.
            fs.writeFileSync(path.join(dir, "dev-4.json"), JSON.stringify(planJson(await sharedPlan("dev", 4))));
            const back = run(["--stack", "dev", "--stage", "3", "--diff", path.join(dir, "dev-4.json")]);
            expect(back.status).toBe(3);
            expect(back.stdout).toMatch(/!! DATA AT RISK: aws:s3\/bucket:Bucket shop-edge-use1-logs removed/);
            const bad = run(["--stack", "dev", "--diff", path.join(dir, "missing.json")]);
            expect(bad.status).toBe(2);
            expect(bad.stderr).toMatch(/^--diff .*missing\.json: ENOENT/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }, 120_000);

    /** A cluster in an auto-named subnet group, planned as `pulumi preview` would see it (the group's name unknown). */
    const clusterIn = (subnetGroup: string) => async () => {
        const registered = await runProgram(
            () => {
                const group = new aws.rds.SubnetGroup(subnetGroup, { subnetIds: ["subnet-1", "subnet-2"] });
                new aws.rds.Cluster("orders", { engine: "aurora-postgresql", dbSubnetGroupName: group.name, storageEncrypted: true });
            },
            { preview: true },
        );
        return plan(
            1,
            registered.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"),
        );
    };

    it("carries a replacement on to a stateful resource whose replacing input comes from it, though its value is unknown in both plans", async () => {
        const old = await clusterIn("orders-subnets")();
        const next = await clusterIn("orders-subnets-renamed")();
        const cluster = next.resources.find((r) => r.type === "aws:rds/cluster:Cluster")!;
        // Unknown in both: comparing inputs alone sees no change.
        expect(cluster.inputs.dbSubnetGroupName).toBe("(known after apply)");
        const diff = diffPlans(old, next);
        expect(diff.changed).toEqual([]);
        expect(diff.dataAtRisk.map((d) => [d.resource.name, d.why])).toEqual([
            [
                "orders",
                "replaced: dbSubnetGroupName comes from aws:rds/subnetGroup:SubnetGroup orders-subnets-renamed, which is new (its value known only after apply)",
            ],
        ]);
        // The same program twice: nothing replaced.
        expect(diffPlans(old, await clusterIn("orders-subnets")()).replaced).toEqual([]);
    });

    describe("a resource moved with an alias", () => {
        const planOf = async (program: () => void) => {
            const registered = await runProgram(program, { preview: true });
            return plan(
                1,
                registered.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"),
            );
        };
        const cluster = (parent?: pulumi.Resource, aliases?: pulumi.Alias[]) =>
            new aws.rds.Cluster("orders", { engine: "aurora-postgresql", storageEncrypted: true }, { parent, aliases });
        // Before: the cluster in a component of an older type.
        const before = () => planOf(() => cluster(new pulumi.ComponentResource("shop:data:Database", "orders")));

        it("matches a resource whose parent moved with an alias to its old URN: unchanged, no data at risk; without the alias, data at risk", async () => {
            const renamed = (aliases?: pulumi.Alias[]) =>
                planOf(() => cluster(new pulumi.ComponentResource("shop:data:AuroraCluster", "orders", {}, { aliases })));
            const old = await before();
            const withAlias = await renamed([{ type: "shop:data:Database" }]);
            const moved = withAlias.resources.find((r) => r.type === "aws:rds/cluster:Cluster")!;
            // A new URN: the parent's type is part of it.
            expect(moved.urn).not.toBe(old.resources.find((r) => r.type === "aws:rds/cluster:Cluster")!.urn);
            const diff = diffPlans(old, withAlias);
            expect([diff.added, diff.removed, diff.changed, diff.replaced, diff.dataAtRisk]).toEqual([[], [], [], [], []]);
            expect(diff.moved.map((m) => m.from).sort()).toEqual(old.resources.map((r) => r.urn).sort());
            expect(renderDiff(old, withAlias, diff).split("\n")[0]).toBe(
                "prod stage 1 (stage-1) -> prod stage 1 (stage-1): 0 to add, 0 to remove, 0 to change, 0 to replace, 2 moved (by alias)",
            );

            const without = diffPlans(old, await renamed());
            expect(without.dataAtRisk.map((d) => [d.resource.name, d.why])).toEqual([
                ["orders", "removed: its data is deleted (or kept out of the stack, if retained on delete)"],
            ]);
            expect(without.added.map((r) => r.type).sort()).toEqual(["aws:rds/cluster:Cluster", "shop:data:AuroraCluster"]);
        });

        it("matches a resource moved into a new component by its own alias, and compares its inputs with the old ones", async () => {
            const old = await before();
            const next = await planOf(() => {
                const group = new pulumi.ComponentResource("shop:data:Database", "orders");
                const wrapper = new pulumi.ComponentResource("shop:data:Wrapper", "orders", {}, { parent: group });
                new aws.rds.Cluster("orders", { engine: "aurora-postgresql", storageEncrypted: false }, { parent: wrapper, aliases: [{ parent: group }] });
            });
            const diff = diffPlans(old, next);
            expect(diff.added.map((r) => r.type)).toEqual(["shop:data:Wrapper"]);
            expect(diff.removed).toEqual([]);
            // Matched, so a change that replaces it is still seen, against the old inputs.
            expect(diff.dataAtRisk.map((d) => [d.resource.name, d.why])).toEqual([["orders", "replaced: storageEncrypted cannot change in place"]]);
            expect(renderDiff(old, next, diff)).toContain("    storageEncrypted: true -> false");
            // The JSON contract keeps them out, as the input dependencies.
            expect(planJson(next).resources.some((r) => "aliases" in r)).toBe(false);
        });
    });

    it("shows each changed input as old -> new, verdict lines first, redacted and within a size on request", () => {
        const old = plan(4, [db, sg]);
        const next = plan(5, [{ ...db, inputs: { ...db.inputs, backupRetentionPeriod: 14, monitoringRoleArn: "arn:aws:iam::123456789012:role/abc" } }]);
        const text = renderDiff(old, next, diffPlans(old, next));
        expect(text.split("\n")).toEqual([
            "prod stage 4 (stage-4) -> prod stage 5 (stage-5): 0 to add, 1 to remove, 1 to change, 0 to replace",
            "- aws:ec2/securityGroup:SecurityGroup app  [us-east-1]",
            "~ aws:rds/cluster:Cluster orders  [us-east-1]: backupRetentionPeriod, monitoringRoleArn",
            "    backupRetentionPeriod: 7 -> 14",
            '    monitoringRoleArn: (unset) -> "arn:aws:iam::123456789012:role/abc"',
        ]);
        const hidden = renderDiff(old, next, diffPlans(old, next), { redact: true });
        expect(hidden).toContain('monitoringRoleArn: (unset) -> "arn:(redacted)"');
        expect(hidden).not.toMatch(/123456789012/);
        expect(redact("shop-db.cluster-abc.us-east-1.rds.amazonaws.com and 210987654321")).toBe("(redacted).amazonaws.com and (account)");
        const many = plan(
            5,
            Array.from({ length: 400 }, (_, i) => resource("aws:ec2/securityGroup:SecurityGroup", `group-${i}`)),
        );
        const cut = renderDiff(plan(4, [db]), many, diffPlans(plan(4, [db]), many), { maxChars: 2000 });
        expect(cut.length).toBeLessThanOrEqual(2000);
        expect(cut.split("\n")[0]).toMatch(/400 to add, 1 to remove/);
        expect(cut.split("\n")[1]).toMatch(/^!! DATA AT RISK: aws:rds\/cluster:Cluster orders removed/);
        expect(cut).toMatch(/\n\.\.\. \d+ more lines left out to fit/);
    });
});
