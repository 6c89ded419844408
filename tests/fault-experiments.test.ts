import { FaultExperiments } from "../components/operations/fault-experiments";
import { preconditionRules } from "../tools/preflight-rules";
import { PlanResource } from "../tools/plan";
import { stages } from "../stacks/registry";
import { run } from "./harness";
import { sharedPlan } from "./support/shared-plans";

const alarm = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-entry-5xx";
const cluster = (n: number) => `arn:aws:rds:us-east-1:123456789012:cluster:shop-${n}`;
const shapeRule = preconditionRules.find((r) => r.id === "fis-template-shape")!;
const shapeProblems = (r: { inputs: Record<string, unknown> }) => shapeRule.check!(r as PlanResource, {} as never);

describe("fault experiments", () => {
    it("makes a template per fault, each stopped by the alarms, with at most five ARNs a target", async () => {
        const r = await run(() => {
            new FaultExperiments("shop-faults", {
                stopAlarmArns: [alarm],
                fleetGroupNames: ["shop-app-fleet-abc"],
                clusterArns: [1, 2, 3, 4, 5, 6, 7].map(cluster),
                cacheGroupArns: ["arn:aws:elasticache:us-east-1:123456789012:replicationgroup:shop-cache"],
                nodegroupArns: ["arn:aws:eks:us-east-1:123456789012:nodegroup/shop/general/abc"],
                zoneSubnetArns: ["arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1"],
                zone: "us-east-1a",
            });
        });
        const templates = r.ofType("aws:fis/experimentTemplate:ExperimentTemplate");
        expect(templates.map((t) => t.name).sort()).toEqual(
            ["shop-faults-cache-zone-power", "shop-faults-database-failover", "shop-faults-fleet-1", "shop-faults-nodes", "shop-faults-zone-network"].sort(),
        );
        for (const t of templates) {
            expect([t.name, t.inputs.stopConditions]).toEqual([t.name, [{ source: "aws:cloudwatch:alarm", value: alarm }]]);
            expect([t.name, shapeProblems(t)]).toEqual([t.name, []]);
        }
        const failover = r.one("aws:fis/experimentTemplate:ExperimentTemplate", "shop-faults-database-failover").inputs as any;
        expect(failover.targets.map((t: { resourceArns: string[] }) => t.resourceArns.length)).toEqual([5, 2]);
        expect(failover.actions.map((a: { actionId: string; target: unknown }) => [a.actionId, a.target])).toEqual([
            ["aws:rds:failover-db-cluster", { key: "Clusters", value: "Clusters1" }],
            ["aws:rds:failover-db-cluster", { key: "Clusters", value: "Clusters2" }],
        ]);
        const fleet = r.one("aws:fis/experimentTemplate:ExperimentTemplate", "shop-faults-fleet-1").inputs as any;
        expect(fleet.targets[0]).toMatchObject({
            selectionMode: "PERCENT(50)",
            resourceTags: [{ key: "aws:autoscaling:groupName", value: "shop-app-fleet-abc" }],
        });
        const cache = r.one("aws:fis/experimentTemplate:ExperimentTemplate", "shop-faults-cache-zone-power").inputs as any;
        expect(cache.targets[0].parameters).toEqual({ availabilityZoneIdentifier: "us-east-1a" });
        const role = r.one("aws:iam/role:Role", "shop-faults-role").inputs as any;
        expect(JSON.parse(role.assumeRolePolicy).Statement[0].Principal).toEqual({ Service: "fis.amazonaws.com" });
    });

    it("refuses experiments nothing stops, and zone faults without a zone, before registering anything", () => {
        expect(() => new FaultExperiments("f", { stopAlarmArns: [], cacheGroupArns: ["arn:aws:elasticache:us-east-1:1:replicationgroup:c"] })).toThrow(
            'FaultExperiments "f" has invalid arguments:\n  - stopAlarmArns must name at least one alarm: an experiment nothing stops is an outage\n  - zone must be set for the zone faults',
        );
    });

    it("the preflight names each shape FIS or the provider refuses", () => {
        const broken = {
            inputs: {
                targets: [{ name: "Clusters1", resourceType: "aws:rds:cluster", selectionMode: "HALF", resourceArns: [1, 2, 3, 4, 5, 6].map(cluster) }],
                actions: [{ name: "failover", actionId: "aws:rds:failover-db-cluster", target: { key: "DBClusters", value: "Clusters9" } }],
                stopConditions: [{ source: "aws:sns:topic", value: alarm }],
            },
        };
        expect(shapeProblems(broken)).toEqual([
            "targets.Clusters1: 6 resource ARNs, at most 5",
            "targets.Clusters1: selectionMode HALF is not ALL, COUNT(n) or PERCENT(n)",
            "actions.failover: target key DBClusters is not one FIS knows",
            "actions.failover: names target Clusters9, which the template lacks",
            "stopConditions: source aws:sns:topic is not aws:cloudwatch:alarm or none",
        ]);
    });
});

describe("every stage's fault experiments", () => {
    it.each(stages.map((s) => s.number))(
        "stage %i: templates for the faults the stage can suffer, in both stacks, each stopped by the SLO burn alerts",
        async (stage) => {
            for (const stack of ["dev", "prod"]) {
                const plan = await sharedPlan(stack, stage);
                const templates = plan.resources.filter((r) => r.type === "aws:fis/experimentTemplate:ExperimentTemplate");
                const names = templates.map((t) => t.name.replace(/^shop-faults-/, ""));
                expect([stack, names.includes(stage < 4 ? "stop-server" : stage < 14 ? "fleet-1" : "nodes")]).toEqual([stack, true]);
                if (stage >= 5) expect([stack, names.includes("database-failover")]).toEqual([stack, true]);
                for (const t of templates) {
                    expect([stack, t.name, (t.inputs.stopConditions as unknown[]).length > 0]).toEqual([stack, t.name, true]);
                    expect([stack, t.name, shapeProblems(t)]).toEqual([stack, t.name, []]);
                }
            }
        },
        600_000,
    );
});
