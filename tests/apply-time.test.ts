/**
 * What AWS, the provider or Kubernetes would refuse (or quietly get wrong) only at `pulumi up`,
 * checked on the offline plans of both stacks: each test names the rule and where it comes from.
 */
import { stages } from "../stacks/registry";
import { unknownText as unknown } from "../tools/plan-file";
import { Plan } from "../tools/plan";
import { sharedPlan } from "./support/shared-plans";

type Resource = Plan["resources"][number];
const stacks = ["dev", "prod"] as const;
const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
const inputs = (r: Resource) => r.inputs as Record<string, any>;

describe("apply-time rules, on the plans", () => {
    it("gives every launch template's tag specification tags of its own (EC2: InvalidTagSpecification.Malformed on an empty one; default tags do not reach them)", async () => {
        for (const stack of stacks) {
            for (const stage of [4, 14]) {
                const templates = ofType(await sharedPlan(stack, stage), "aws:ec2/launchTemplate:LaunchTemplate");
                expect(templates.length).toBeGreaterThan(0);
                for (const template of templates) {
                    for (const spec of inputs(template).tagSpecifications ?? []) {
                        expect([stack, stage, template.name, spec.resourceType, Object.keys(spec.tags ?? {}).length > 0]).toEqual([
                            stack,
                            stage,
                            template.name,
                            spec.resourceType,
                            true,
                        ]);
                    }
                }
            }
        }
    }, 600_000);

    it("gives every scheduled action a desired capacity, -1 where it must stay as it is (the provider sends an unset one as 0, below the floor)", async () => {
        const schedules = ofType(await sharedPlan("prod", 15), "aws:autoscaling/schedule:Schedule");
        expect(schedules.length).toBeGreaterThan(0);
        for (const schedule of schedules) {
            const { desiredCapacity, minSize } = inputs(schedule);
            expect([schedule.name, desiredCapacity === -1 || desiredCapacity >= minSize]).toEqual([schedule.name, true]);
        }
        const end = schedules.find((s) => s.name.endsWith("-end"))!;
        expect(inputs(end).desiredCapacity).toBe(-1);
    }, 600_000);

    it("puts no deletion protection on the internal load balancers, which hold no data and which stage 14 removes (AWS refuses to delete a protected one)", async () => {
        const internal = ofType(await sharedPlan("prod", 13), "aws:lb/loadBalancer:LoadBalancer").filter((lb) => inputs(lb).internal === true);
        expect(internal.map((lb) => lb.name).sort()).toEqual(["shop-int-euw1", "shop-int-use1", "shop-svc-euw1", "shop-svc-use1"]);
        for (const lb of internal) expect([lb.name, inputs(lb).enableDeletionProtection]).toEqual([lb.name, false]);
        // The public entry, which stays from stage to stage, keeps it in prod.
        const edges = ofType(await sharedPlan("prod", 13), "aws:lb/loadBalancer:LoadBalancer").filter((lb) => inputs(lb).internal !== true);
        for (const lb of edges) expect([lb.name, inputs(lb).enableDeletionProtection]).toEqual([lb.name, true]);
    }, 600_000);

    it("tags the NLB's target group for the cluster, so that the load balancer controller may register the Nginx pods (its policy's condition)", async () => {
        for (const stack of stacks) {
            const plan = await sharedPlan(stack, 14);
            const clusters = ofType(plan, "aws:eks/cluster:Cluster").map((c) => inputs(c).name as string);
            const groups = ofType(plan, "aws:lb/targetGroup:TargetGroup").filter((g) => inputs(g).targetType === "ip");
            expect(groups.length).toBe(clusters.length);
            for (const group of groups) {
                expect(clusters).toContain(inputs(group).tags["elbv2.k8s.aws/cluster"]);
            }
        }
    }, 600_000);

    it("creates Services and TargetGroupBindings only after the load balancer controller's release (its webhooks and CRD refuse them until it runs)", async () => {
        for (const stack of stacks) {
            const plan = await sharedPlan(stack, 14);
            const releases = ofType(plan, "kubernetes:helm.sh/v3:Release");
            expect(releases.length).toBeGreaterThan(0);
            const gated = plan.resources.filter((r) => ["kubernetes:core/v1:Service", "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"].includes(r.type));
            expect(gated.length).toBeGreaterThan(0);
            for (const object of gated) {
                // The release of the cluster the object lives on (the names carry the region).
                const region = object.name.match(/[a-z]{2}-[a-z]+-\d/)![0];
                const release = releases.find((r) => r.name === `shop-${region}-lb-controller`)!;
                expect([object.type, object.name, object.dependsOn.includes(release.urn)]).toEqual([object.type, object.name, true]);
            }
        }
    }, 600_000);

    it("runs metrics-server as an EKS add-on on every cluster, so that the pod autoscalers have metrics.k8s.io", async () => {
        for (const stack of stacks) {
            const plan = await sharedPlan(stack, 14);
            const clusters = ofType(plan, "aws:eks/cluster:Cluster");
            const metrics = ofType(plan, "aws:eks/addon:Addon").filter((a) => inputs(a).addonName === "metrics-server");
            expect(metrics.length).toBe(clusters.length);
            expect(ofType(plan, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length).toBeGreaterThan(0);
        }
    }, 600_000);

    it("gives every Aurora cluster a password of the program's in Secrets Manager, and never manageMasterUserPassword beside it (the provider's ConflictsWith fires on false too)", async () => {
        for (const stack of stacks) {
            for (const { number } of stages) {
                const plan = await sharedPlan(stack, number);
                for (const cluster of ofType(plan, "aws:rds/cluster:Cluster")) {
                    const i = inputs(cluster);
                    expect([stack, number, cluster.name, "manageMasterUserPassword" in i]).toEqual([stack, number, cluster.name, false]);
                    // Primaries hold the password; a global database's secondaries take theirs from it.
                    if (i.globalClusterIdentifier === undefined)
                        expect([stack, number, cluster.name, i.masterPassword]).toEqual([stack, number, cluster.name, unknown]);
                }
            }
        }
    }, 600_000);

    it("builds every global secondary from its primary's definition: a KMS key of its own region, the same parameters, IAM authentication", async () => {
        const plan = await sharedPlan("prod", 9);
        const clusters = ofType(plan, "aws:rds/cluster:Cluster");
        const secondaries = clusters.filter((c) => inputs(c).globalClusterIdentifier !== undefined);
        expect(secondaries.length).toBe(7);
        const parameters = (name: string) =>
            inputs(plan.resources.find((r) => r.type === "aws:rds/clusterParameterGroup:ClusterParameterGroup" && r.name === name)!).parameters;
        for (const secondary of secondaries) {
            const primary = clusters.find((c) => secondary.name === `${c.name}-${secondary.region}`)!;
            // An encrypted cross-region replica needs a key valid in its own region (InvalidParameterCombination).
            const key = plan.resources.find((r) => r.type === "aws:kms/key:Key" && r.name === secondary.name)!;
            expect([secondary.name, key.region, secondary.dependsOn.includes(key.urn)]).toEqual([secondary.name, secondary.region, true]);
            expect([secondary.name, inputs(secondary).iamDatabaseAuthenticationEnabled]).toEqual([secondary.name, true]);
            expect([secondary.name, parameters(secondary.name)]).toEqual([secondary.name, parameters(primary.name)]);
        }
    }, 600_000);

    it("exports every cluster's PostgreSQL logs to a group made beforehand, in its region, with the stack's retention", async () => {
        for (const [stack, stage, days] of [
            ["dev", 7, 14],
            ["prod", 9, 90],
        ] as const) {
            const plan = await sharedPlan(stack, stage);
            for (const cluster of ofType(plan, "aws:rds/cluster:Cluster")) {
                const name = `/aws/rds/cluster/${inputs(cluster).clusterIdentifier}/postgresql`;
                const group = ofType(plan, "aws:cloudwatch/logGroup:LogGroup").find((g) => inputs(g).name === name);
                expect([cluster.name, group?.region, group && inputs(group).retentionInDays, group && cluster.dependsOn.includes(group.urn)]).toEqual([
                    cluster.name,
                    cluster.region,
                    days,
                    true,
                ]);
            }
        }
    }, 600_000);

    it("applies the readers' move to Serverless v2 at deploy, not in the maintenance window, and upgrades no minor version under the pin", async () => {
        for (const stack of stacks) {
            const instances = ofType(await sharedPlan(stack, 15), "aws:rds/clusterInstance:ClusterInstance");
            const serverless = instances.filter((i) => inputs(i).instanceClass === "db.serverless");
            expect(serverless.length).toBeGreaterThan(0);
            for (const reader of serverless) expect([reader.name, inputs(reader).applyImmediately]).toEqual([reader.name, true]);
            // A pinned exact minor with automatic minor upgrades makes the next refresh plan a downgrade.
            for (const instance of instances) expect([instance.name, inputs(instance).autoMinorVersionUpgrade]).toEqual([instance.name, false]);
        }
    }, 600_000);

    it("probes readiness through the whole path from Route 53, and liveness from the target groups (a shared dependency's outage replaces no instance)", async () => {
        for (const [stack, stage] of [
            ["dev", 4],
            ["prod", 9],
            ["prod", 14],
        ] as const) {
            const plan = await sharedPlan(stack, stage);
            const checks = ofType(plan, "aws:route53/healthCheck:HealthCheck");
            expect(checks.length).toBeGreaterThan(0);
            for (const check of checks) expect([stack, stage, check.name, inputs(check).resourcePath]).toEqual([stack, stage, check.name, "/readyz"]);
            for (const group of ofType(plan, "aws:lb/targetGroup:TargetGroup"))
                expect([stack, stage, group.name, inputs(group).healthCheck.path]).toEqual([stack, stage, group.name, "/healthz"]);
            for (const asg of ofType(plan, "aws:autoscaling/group:Group")) expect([asg.name, inputs(asg).healthCheckType]).toEqual([asg.name, "ELB"]);
        }
    }, 600_000);
});
