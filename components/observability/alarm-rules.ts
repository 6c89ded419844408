/**
 * The documented defaults of every alarm the components raise: what breaches, over how long.
 * Each can be overridden in the stack's config (`shop-evolution:alarms.rules`) or by a
 * component's caller (`alarms.rules`). Periods are multiples of 60 s: CloudWatch accepts 10,
 * 20 and 30 s only for high-resolution metrics, which none of these are.
 */
export interface AlarmRule {
    /** The value compared with the metric (its unit is the kind's, named in its doc). */
    threshold: number;
    /** Seconds each data point covers. */
    periodSeconds: number;
    /** Consecutive breaching data points that raise the alarm. */
    evaluationPeriods: number;
}

export const alarmRules = {
    /** ALB: 5xx answers (its own and its targets') as a percentage of requests. */
    balancer5xxPercent: { threshold: 5, periodSeconds: 60, evaluationPeriods: 5 },
    /** ALB or NLB: targets failing their health check, per target group (count). */
    balancerUnhealthyTargets: { threshold: 0, periodSeconds: 60, evaluationPeriods: 3 },
    /** ALB: the 99th percentile of the targets' response time, in seconds. */
    balancerP99Seconds: { threshold: 2, periodSeconds: 60, evaluationPeriods: 5 },
    /** Auto Scaling group: instances in service as a share of its minimum size, in percent (below it breaches). */
    fleetInServicePercent: { threshold: 100, periodSeconds: 60, evaluationPeriods: 5 },
    /** Single server: failed EC2 status checks (instance, system, attached EBS), count. */
    serverStatusChecks: { threshold: 0, periodSeconds: 60, evaluationPeriods: 2 },
    /** Single server: CPU, percent. */
    serverCpuPercent: { threshold: 80, periodSeconds: 300, evaluationPeriods: 3 },
    /** Aurora: the busiest instance's CPU, percent. */
    databaseCpuPercent: { threshold: 80, periodSeconds: 300, evaluationPeriods: 3 },
    /** Aurora: the least freeable memory of an instance, MiB (below it breaches). */
    databaseFreeableMemoryMiB: { threshold: 256, periodSeconds: 300, evaluationPeriods: 3 },
    /** Aurora: connections of the busiest instance (db.t4g.medium allows about 400). */
    databaseConnections: { threshold: 320, periodSeconds: 300, evaluationPeriods: 3 },
    /** Aurora: the largest lag of a reader behind the writer, milliseconds. */
    databaseReplicaLagMs: { threshold: 2000, periodSeconds: 60, evaluationPeriods: 5 },
    /** Aurora global database: a secondary cluster's lag behind the primary region, milliseconds. */
    databaseGlobalLagMs: { threshold: 5000, periodSeconds: 60, evaluationPeriods: 5 },
    /** ElastiCache: the engine thread's CPU on a node, percent. */
    cacheCpuPercent: { threshold: 80, periodSeconds: 300, evaluationPeriods: 3 },
    /** ElastiCache: memory used of what the engine may use, percent. */
    cacheMemoryPercent: { threshold: 85, periodSeconds: 300, evaluationPeriods: 3 },
    /** ElastiCache: keys evicted for memory in a period (count). */
    cacheEvictions: { threshold: 1000, periodSeconds: 300, evaluationPeriods: 3 },
    /** ElastiCache global datastore: a secondary's lag behind the primary region, seconds. */
    cacheGlobalLagSeconds: { threshold: 5, periodSeconds: 60, evaluationPeriods: 5 },
    /** OpenSearch: minutes the cluster was red (a primary shard unassigned). */
    searchRed: { threshold: 0, periodSeconds: 60, evaluationPeriods: 1 },
    /** OpenSearch: the cluster yellow (a replica shard unassigned), for as long as the periods say. */
    searchYellow: { threshold: 0, periodSeconds: 300, evaluationPeriods: 6 },
    /** OpenSearch: JVM memory pressure of the busiest node, percent. */
    searchJvmPressurePercent: { threshold: 80, periodSeconds: 300, evaluationPeriods: 3 },
    /** OpenSearch: the least free storage of a node, MiB (below it breaches). */
    searchFreeStorageMiB: { threshold: 4096, periodSeconds: 300, evaluationPeriods: 1 },
    /** EKS (Container Insights): nodes failing, count. */
    clusterFailedNodes: { threshold: 0, periodSeconds: 60, evaluationPeriods: 5 },
    /** EKS (Container Insights): the nodes' average CPU, percent. */
    clusterNodeCpuPercent: { threshold: 80, periodSeconds: 300, evaluationPeriods: 3 },
    /** EKS (Container Insights): running pods of a watched namespace as a share of its minimum, percent (below it breaches). */
    clusterRunningPodsPercent: { threshold: 100, periodSeconds: 60, evaluationPeriods: 5 },
    /** Route 53: a region's health check failing (the lowest status in the period below 1). */
    regionHealthCheck: { threshold: 1, periodSeconds: 60, evaluationPeriods: 2 },
    /** The shop's logs: 5xx answers as a percentage of requests. */
    shop5xxPercent: { threshold: 5, periodSeconds: 60, evaluationPeriods: 5 },
    /** The shop's logs: checkouts that failed in a period (count). */
    shopCheckoutFailures: { threshold: 5, periodSeconds: 300, evaluationPeriods: 1 },
    /** The shop's logs: a circuit breaker that opened in the period (count). */
    shopBreakersOpened: { threshold: 0, periodSeconds: 60, evaluationPeriods: 3 },
    /** The shop's logs: age of the oldest search outbox row, seconds. */
    shopOutboxLagSeconds: { threshold: 300, periodSeconds: 60, evaluationPeriods: 5 },
} satisfies Record<string, AlarmRule>;

export type AlarmKind = keyof typeof alarmRules;
export const alarmKinds = Object.keys(alarmRules) as AlarmKind[];

/** Overrides of some rules, each of some fields. */
export type AlarmRuleOverrides = Partial<Record<AlarmKind, Partial<AlarmRule>>>;

/** The rule of `kind` with the overrides applied. */
export function ruleOf(kind: AlarmKind, overrides: AlarmRuleOverrides = {}): AlarmRule {
    return { ...alarmRules[kind], ...overrides[kind] };
}

/** What CloudWatch refuses in a rule, as problems naming the kind. */
export function ruleProblems(kind: string, rule: Partial<AlarmRule>): string[] {
    const problems: string[] = [];
    const { periodSeconds: period, evaluationPeriods: periods, threshold } = rule;
    if (threshold !== undefined && !Number.isFinite(threshold)) problems.push(`${kind}.threshold must be a number (got ${threshold})`);
    if (period !== undefined && !(Number.isInteger(period) && period >= 60 && period % 60 === 0))
        problems.push(`${kind}.periodSeconds must be a multiple of 60 (got ${period})`);
    if (periods !== undefined && !(Number.isInteger(periods) && periods >= 1))
        problems.push(`${kind}.evaluationPeriods must be an integer of at least 1 (got ${periods})`);
    // CloudWatch evaluates at most seven days of data points, and one day with periods under an hour (PutMetricAlarm's Period).
    const most = period !== undefined && period < 3600 ? 86_400 : 604_800;
    if (period !== undefined && periods !== undefined && period * periods > most)
        problems.push(
            `${kind}: periodSeconds × evaluationPeriods must be at most ${most} (${most === 86_400 ? "one day with periods under an hour" : "seven days"}; got ${period * periods})`,
        );
    return problems;
}
