import { tiers } from "../stacks/observability";
import type { PlannedResource } from "../tools/mock-runtime";
import { sharedDeployment } from "./support/shared-deployments";

const mockId = (r: PlannedResource) => `${r.name}-id`;
const of = (resources: PlannedResource[], type: string) => resources.filter((r) => r.type === type);

/** For each dimension a widget may name: the values the deployed resources give it, each with its region. */
const dimensionValues: Record<string, (resources: PlannedResource[]) => [string, string | null][]> = {
    DBClusterIdentifier: (rs) => of(rs, "aws:rds/cluster:Cluster").map((r) => [mockId(r), r.region]),
    CacheClusterId: (rs) =>
        of(rs, "aws:elasticache/replicationGroup:ReplicationGroup").flatMap((r) =>
            Array.from({ length: Number(r.inputs.numCacheClusters ?? 1) }, (_, n) => [`${mockId(r)}-00${n + 1}`, r.region] as [string, string | null]),
        ),
    LoadBalancer: (rs) =>
        of(rs, "aws:lb/loadBalancer:LoadBalancer").map((r) => [
            `${r.inputs.loadBalancerType === "network" ? "net" : "app"}/${r.name}/0123456789abcdef`,
            r.region,
        ]),
    TargetGroup: (rs) => of(rs, "aws:lb/targetGroup:TargetGroup").map((r) => [`targetgroup/${r.name}/0123456789abcdef`, r.region]),
    AutoScalingGroupName: (rs) => of(rs, "aws:autoscaling/group:Group").map((r) => [r.name, r.region]),
    DomainName: (rs) => of(rs, "aws:opensearch/domain:Domain").map((r) => [r.name, r.region]),
    ClientId: (rs) => of(rs, "aws:opensearch/domain:Domain").map((r) => ["123456789012", r.region]),
    ClusterName: (rs) => of(rs, "aws:eks/cluster:Cluster").map((r) => [String(r.inputs.name), r.region]),
    Namespace: (rs) => {
        const clusters = of(rs, "aws:eks/cluster:Cluster");
        return of(rs, "kubernetes:core/v1:Namespace").flatMap((ns) =>
            clusters.map((c) => [String((ns.inputs.metadata as { name: string }).name), c.region] as [string, string | null]),
        );
    },
    // Route 53's health check metrics live in us-east-1, whatever the home region.
    HealthCheckId: (rs) => of(rs, "aws:route53/healthCheck:HealthCheck").map((r) => [mockId(r), "us-east-1"]),
    InstanceId: (rs) => of(rs, "aws:ec2/instance:Instance").map((r) => [mockId(r), r.region]),
    VolumeId: (rs) => of(rs, "aws:ebs/volume:Volume").map((r) => [mockId(r), r.region]),
};

type Widget = { type: string; properties: { markdown?: string; region?: string; metrics?: unknown[][] } };

/** Problems with one metric of a widget: a dimension no deployed resource has in that region, or a shop metric no filter publishes there. */
function unknownReference(resources: PlannedResource[], metric: unknown[]): string[] {
    const options = metric[metric.length - 1] as { region: string; stat: string };
    const [namespace, name, ...dims] = metric.slice(0, -1) as string[];
    if (namespace.startsWith("Shop/")) {
        const published = of(resources, "aws:cloudwatch/logMetricFilter:LogMetricFilter").some((f) => {
            const t = f.inputs.metricTransformation as { namespace: string; name: string };
            return t.namespace === namespace && t.name === name && f.region === options.region;
        });
        return published ? [] : [`${namespace} ${name} in ${options.region}: no metric filter publishes it there`];
    }
    const problems: string[] = [];
    for (let i = 0; i < dims.length; i += 2) {
        const values = dimensionValues[dims[i]];
        if (!values) problems.push(`${namespace} ${name}: a dimension ${dims[i]} the test cannot trace`);
        else if (!values(resources).some(([value, region]) => value === dims[i + 1] && region === options.region))
            problems.push(`${namespace} ${name} ${dims[i]}=${dims[i + 1]} in ${options.region}: no such resource in the plan`);
    }
    return problems;
}

const cases = [
    ["dev", 1, ["Application and services"]],
    ["prod", 3, ["Application and services", "Cache", "Databases"]],
    ["prod", 9, ["Entry", "Proxy", "Application and services", "Cache", "Databases"]],
    ["dev", 12, ["Entry", "Proxy", "Application and services", "Cache", "Databases", "Search"]],
    ["prod", 15, ["Entry", "Cache", "Databases", "Search", "Cluster"]],
] as const;

/**
 * The dashboard's body holds the names AWS gives (ids, ARN suffixes), known only after apply:
 * it is read from deployments under the mock runtime, whose resources get the mock provider's
 * ids, so that each metric of each widget can be traced to the resource it reads.
 */
describe.each(cases)("the %s dashboard at stage %d", (stack, stage, rows) => {
    let resources: PlannedResource[];
    let widgets: Widget[];
    beforeAll(async () => {
        resources = (await sharedDeployment(stack, stage)).resources;
        const dashboards = of(resources, "aws:cloudwatch/dashboard:Dashboard");
        expect(dashboards.map((d) => d.inputs.dashboardName)).toEqual([`shop-${stack}`]);
        widgets = JSON.parse(String(dashboards[0].inputs.dashboardBody)).widgets;
    }, 300_000);

    it("opens with the entry's golden signals, then a row per tier the stage deploys, and none for a tier it does not", () => {
        const headings = widgets.filter((w) => w.type === "text").map((w) => w.properties.markdown!.replace(/^## /, ""));
        expect(headings[0]).toMatch(/^The shop's golden signals/);
        expect(headings.slice(1)).toEqual(rows);
        expect(Object.values(tiers)).toEqual(expect.arrayContaining([...rows]));
        const golden = widgets.slice(1, 5).map((w) => (w.properties as { title: string }).title.split(":")[0]);
        expect(golden).toEqual(["Traffic", "Errors", "Latency", "Saturation"]);
    });

    it("graphs only metrics of resources in the plan, each in the resource's region", () => {
        const metrics = widgets.filter((w) => w.type === "metric").flatMap((w) => w.properties.metrics!);
        expect(metrics.length).toBeGreaterThan(4);
        expect(metrics.flatMap((m) => unknownReference(resources, m))).toEqual([]);
    });
});
