/**
 * What AWS, the provider or Kubernetes would refuse (or quietly get wrong) only at `pulumi up`,
 * checked on the offline plans of both stacks: each test names the rule and where it comes from.
 */
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
});
