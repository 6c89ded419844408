import { statefulTypes } from "../policy/stateful-types";
import { stages } from "../stacks/registry";
import type { Plan } from "../tools/plan";
import { sharedPlan } from "./support/shared-plans";

type Resource = Plan["resources"][number];

const alarmType = "aws:cloudwatch/metricAlarm:MetricAlarm";
const compositeType = "aws:cloudwatch/compositeAlarm:CompositeAlarm";
const kindOf = (r: Resource) => String((r.inputs.tags as Record<string, string> | undefined)?.alarm ?? "");

/** Which alarms a resource must have, by the kinds of the alarms that read it (their dimensions name it). */
interface Expectation {
    /** The resources it concerns in a plan. */
    matches(r: Resource, plan: Plan): boolean;
    /** The kinds of alarm it must have; empty with `exempt` for a resource with nothing to watch. */
    kinds(r: Resource, plan: Plan): string[];
    exempt?: string;
}

const isSecondary = (r: Resource) => r.inputs.globalClusterIdentifier !== undefined || r.inputs.globalReplicationGroupId !== undefined;

/** The table: every stateful type and every entry point of the stages, and the alarms each must have. */
const expectations: Record<string, Expectation> = {
    "Aurora cluster": {
        matches: (r) => r.type === "aws:rds/cluster:Cluster",
        kinds: (r, plan) => [
            "databaseCpuPercent",
            "databaseFreeableMemoryMiB",
            "databaseConnections",
            // A primary with readers (declared, or added by autoscaling) watches their lag; a secondary its lag behind the primary region.
            ...(!isSecondary(r) &&
            plan.resources.some(
                (i) =>
                    (i.type === "aws:rds/clusterInstance:ClusterInstance" && i.name.startsWith(`${r.name}-reader-`)) ||
                    (i.type === "aws:appautoscaling/target:Target" && i.name === `${r.name}-readers`),
            )
                ? ["databaseReplicaLagMs"]
                : []),
            ...(isSecondary(r) ? ["databaseGlobalLagMs"] : []),
        ],
    },
    "Aurora global database": { matches: (r) => r.type === "aws:rds/globalCluster:GlobalCluster", kinds: () => ["databaseGlobalLagMs"] },
    "ElastiCache replication group": {
        matches: (r) => r.type === "aws:elasticache/replicationGroup:ReplicationGroup",
        kinds: (r) => (isSecondary(r) ? ["cacheGlobalLagSeconds"] : ["cacheCpuPercent", "cacheMemoryPercent", "cacheEvictions"]),
    },
    "ElastiCache global datastore": {
        matches: (r) => r.type === "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup",
        kinds: () => ["cacheGlobalLagSeconds"],
    },
    "OpenSearch domain": {
        matches: (r) => r.type === "aws:opensearch/domain:Domain",
        kinds: () => ["searchRed", "searchYellow", "searchJvmPressurePercent", "searchFreeStorageMiB"],
    },
    "the single server's data volume": {
        matches: (r, plan) => r.type === "aws:ebs/volume:Volume" && plan.resources.some((i) => i.type === "aws:ec2/instance:Instance" && i.parent === r.parent),
        kinds: () => ["serverStatusChecks"],
    },
    "the retired server's data volume (stage 4 on)": {
        matches: (r, plan) =>
            r.type === "aws:ebs/volume:Volume" && !plan.resources.some((i) => i.type === "aws:ec2/instance:Instance" && i.parent === r.parent),
        kinds: () => [],
        exempt: "kept detached for stage 1's files: no I/O, no instance, nothing CloudWatch measures",
    },
    "backup vault": {
        matches: (r) => r.type === "aws:backup/vault:Vault",
        kinds: () => [],
        exempt: "recovery points, not a service: AWS Backup reports a failed job in its own console and events, and the weekly restore drill fails loudly",
    },
    "S3 bucket": {
        matches: (r) => r.type === "aws:s3/bucket:Bucket" || r.type === "aws:s3/bucketV2:BucketV2",
        kinds: () => [],
        exempt: "access logs and product pictures: S3 publishes no health metric without paid request metrics, and the shop's failures to reach it show in its 5xx rate",
    },
    "the single server": { matches: (r) => r.type === "aws:ec2/instance:Instance", kinds: () => ["serverStatusChecks", "serverCpuPercent"] },
    "application load balancer": {
        matches: (r) => r.type === "aws:lb/loadBalancer:LoadBalancer" && r.inputs.loadBalancerType === "application",
        kinds: () => ["balancer5xxPercent", "balancerP99Seconds", "balancerUnhealthyTargets"],
    },
    "network load balancer": {
        matches: (r) => r.type === "aws:lb/loadBalancer:LoadBalancer" && r.inputs.loadBalancerType === "network",
        kinds: () => ["balancerUnhealthyTargets"],
    },
    "target group": { matches: (r) => r.type === "aws:lb/targetGroup:TargetGroup", kinds: () => ["balancerUnhealthyTargets"] },
    "fleet (Auto Scaling group)": { matches: (r) => r.type === "aws:autoscaling/group:Group", kinds: () => ["fleetInServicePercent"] },
    "Route 53 health check": { matches: (r) => r.type === "aws:route53/healthCheck:HealthCheck", kinds: () => ["regionHealthCheck"] },
    "EKS cluster": {
        matches: (r) => r.type === "aws:eks/cluster:Cluster",
        kinds: () => ["clusterFailedNodes", "clusterNodeCpuPercent", "clusterRunningPodsPercent"],
    },
    "the shop's log group": {
        matches: (r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && /^shop-(server|[a-z-]+-fleet-.+|[a-z0-9-]+-insights-application)$/.test(r.name),
        kinds: () => ["shop5xxPercent", "shopCheckoutFailures"],
    },
};

/** The alarms that read a resource: those whose inputs come from it, or (for a global one) from a member that joined it. */
function alarmsOf(plan: Plan, r: Resource): Resource[] {
    const alarms = plan.resources.filter((a) => a.type === alarmType);
    const direct = alarms.filter((a) => a.dependsOn.includes(r.urn));
    if (direct.length > 0 || !r.type.includes("global")) return direct;
    const members = plan.resources.filter((m) => m.dependsOn.includes(r.urn) && isSecondary(m));
    return alarms.filter((a) => members.some((m) => a.dependsOn.includes(m.urn)));
}

/** A log group's alarms: those on the metrics its filters publish, in its region. */
function logAlarmsOf(plan: Plan, group: Resource): Resource[] {
    const metrics = plan.resources
        .filter((f) => f.type === "aws:cloudwatch/logMetricFilter:LogMetricFilter" && f.dependsOn.includes(group.urn))
        .map((f) => f.inputs.metricTransformation as { namespace: string; name: string });
    return plan.resources.filter(
        (a) =>
            a.type === alarmType &&
            a.region === group.region &&
            ((a.inputs.metricQueries ?? []) as { metric?: { namespace: string; metricName: string } }[])
                .map((q) => q.metric)
                .concat(a.inputs.metricName ? [{ namespace: String(a.inputs.namespace), metricName: String(a.inputs.metricName) }] : [])
                .some((m) => m && metrics.some((t) => t.namespace === m.namespace && t.name === m.metricName)),
    );
}

const plans = stages.flatMap(({ number, slug }) => (["dev", "prod"] as const).map((stack) => [`${stack} ${number} (${slug})`, stack, number] as const));

describe.each(plans)("the alarms of %s", (_, stack, number) => {
    let plan: Plan;
    beforeAll(async () => {
        plan = await sharedPlan(stack, number);
    }, 600_000);

    it("cover every stateful resource and every entry point with the alarms its kind must have", () => {
        const missing: string[] = [];
        for (const r of plan.resources) {
            const [what, expectation] = Object.entries(expectations).find(([, e]) => e.matches(r, plan)) ?? [];
            if (!expectation) {
                if (statefulTypes.includes(r.type)) missing.push(`${r.type} ${r.name}: stateful, and the table has no row for it`);
                continue;
            }
            const has = new Set((what === "the shop's log group" ? logAlarmsOf(plan, r) : alarmsOf(plan, r)).map(kindOf));
            for (const kind of expectation.kinds(r, plan)) if (!has.has(kind)) missing.push(`${what} ${r.name}: no ${kind} alarm`);
        }
        expect(missing).toEqual([]);
    });

    it("give every alarm an action: its region's topic, or the composite alarm it is a window of", () => {
        const composites = plan.resources.filter((r) => r.type === compositeType);
        const topics = new Map(plan.resources.filter((r) => r.type === "aws:sns/topic:Topic").map((t) => [t.urn, t]));
        const silent = plan.resources
            .filter((r) => r.type === alarmType || r.type === compositeType)
            .filter((r) => {
                const actions = (r.inputs.alarmActions ?? []) as unknown[];
                const notifies = actions.length > 0 && r.dependsOn.some((urn) => topics.get(urn)?.region === r.region);
                const inComposite = composites.some((c) => c.dependsOn.includes(r.urn) && ((c.inputs.alarmActions ?? []) as unknown[]).length > 0);
                return !(notifies || (r.type === alarmType && inComposite));
            })
            .map((r) => `${r.type} ${r.name} (${r.region})`);
        expect(silent).toEqual([]);
        expect(plan.resources.filter((r) => r.type === alarmType).length).toBeGreaterThan(0);
    });

    it("alert on the entry's SLOs in every serving region with the fast and slow burn, each over a long and a short window", () => {
        const regions = new Set(plan.resources.filter((r) => r.type === "aws:cloudwatch/logMetricFilter:LogMetricFilter").map((r) => r.region));
        expect(regions.size).toBeGreaterThan(0);
        for (const region of regions) {
            const composites = plan.resources.filter((r) => r.type === compositeType && r.region === region).map(kindOf);
            expect(composites.sort()).toEqual(["slo-availability-fast", "slo-availability-slow", "slo-latency-fast", "slo-latency-slow"]);
            const windows = plan.resources.filter((r) => r.type === alarmType && r.region === region && kindOf(r).startsWith("slo-"));
            // Fast burn 14.4× (1 h and 5 min), slow burn 6× (6 h and 30 min), on a budget of 0.1% (availability) and 1% (latency).
            const byKind = Object.fromEntries(
                windows.map((w) => [
                    kindOf(w),
                    [(w.inputs.metricQueries as { metric?: { period: number } }[]).find((q) => q.metric)!.metric!.period, w.inputs.threshold],
                ]),
            );
            expect(byKind).toEqual({
                "slo-availability-fast-long": [3600, expect.closeTo(0.0144, 6)],
                "slo-availability-fast-short": [300, expect.closeTo(0.0144, 6)],
                "slo-availability-slow-long": [21600, expect.closeTo(0.006, 6)],
                "slo-availability-slow-short": [1800, expect.closeTo(0.006, 6)],
                "slo-latency-fast-long": [3600, expect.closeTo(0.144, 6)],
                "slo-latency-fast-short": [300, expect.closeTo(0.144, 6)],
                "slo-latency-slow-long": [21600, expect.closeTo(0.06, 6)],
                "slo-latency-slow-short": [1800, expect.closeTo(0.06, 6)],
            });
        }
    });

    it("name what to look at in every alarm's description", () => {
        const vague = plan.resources
            .filter((r) => (r.type === alarmType && !kindOf(r).startsWith("slo-")) || r.type === compositeType)
            .filter((r) => !/Look at: \S/.test(String(r.inputs.alarmDescription)))
            .map((r) => r.name);
        expect(vague).toEqual([]);
    });
});
