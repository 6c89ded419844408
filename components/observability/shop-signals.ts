import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { isIntIn, Problems } from "../validation";
import { AlarmsArgs, ComponentAlarms, WatchedMetric } from "./alarms";

/** The service level objectives of the entry, over the shop's answers in a region. */
export interface Slo {
    /** Requests answered without a 5xx, in percent (the rest is the error budget). */
    availabilityPercent: number;
    /** Requests answered within `latencyMs`, in percent. */
    latencyPercent: number;
    /** The latency objective's bound, in milliseconds. */
    latencyMs: number;
}

export const sloDefaults: Slo = { availabilityPercent: 99.9, latencyPercent: 99, latencyMs: 500 };

/**
 * The multiwindow, multi-burn-rate alerts of the SRE workbook (chapter 5, "Alerting on SLOs"):
 * page when the error budget burns 14.4 times too fast over an hour (2% of a 30-day budget)
 * and still over the last 5 minutes, or 6 times too fast over 6 hours (5%) and still over the
 * last 30 minutes. The short window lets the alert reset soon after the burning stops.
 */
export const burnWindows = [
    { key: "fast", burnRate: 14.4, longSeconds: 3600, shortSeconds: 300 },
    { key: "slow", burnRate: 6, longSeconds: 21_600, shortSeconds: 1800 },
] as const;

/** A log group the shop writes its JSON lines to, and where a line's fields sit in each record. */
export interface ShopLogGroup {
    name: pulumi.Input<string>;
    /** `$.` when the record is the shop's line; `$.log_processed.` where Container Insights wraps it. @default "$." */
    fields?: string;
}

export interface ShopSignalsArgs {
    /** The shop's log groups in the region, keyed by a stable name. */
    logGroups: Record<string, ShopLogGroup>;
    /** The CloudWatch namespace of the metrics, one per stack (such as Shop/prod). */
    metricNamespace: string;
    /** Prefix of the composite alarms' names, unique in the account and region (such as shop-prod-us-east-1). */
    alarmNamePrefix: string;
    /** @default sloDefaults */
    slo?: Slo;
    /** The signals this stage's shop emits besides its requests: search's outbox (stage 10 on), the gateway's circuit breakers (stage 12 on). @default none */
    emits?: { outbox?: boolean; breakers?: boolean };
    /** @default on, with a topic of its own */
    alarms?: AlarmsArgs | false;
    tags?: Record<string, string>;
}

/** The shop's metrics, from the lines it logs (app/src: `request`, `checkout failed`, `circuit breaker opened`, `search outbox: backlog`). */
const signals = {
    Requests: { when: 'msg = "request"', value: "1" },
    ServerErrors: { when: 'msg = "request" && $.status >= 500', value: "1" },
    LatencyMs: { when: 'msg = "request"', value: "ms" },
    CheckoutFailures: { when: 'msg = "checkout failed"', value: "1" },
    BreakersOpened: { when: 'msg = "circuit breaker opened"', value: "1" },
    OutboxLagSeconds: { when: 'msg = "search outbox: backlog"', value: "lagSeconds" },
} as const;

/**
 * The shop's own signals in one region, read from its JSON logs by CloudWatch metric filters:
 * requests, 5xx answers, latency, failed checkouts, circuit breakers opening and the search
 * outbox's lag; alarms on them; and the entry's SLOs (availability, latency) with burn-rate
 * alerts. The metrics of every log group of the region add up under one name: the region's
 * shop as its users see it.
 */
export class ShopSignals extends pulumi.ComponentResource {
    readonly alarms: ComponentAlarms;
    /** The golden signals as the dashboard graphs them. */
    readonly traffic: WatchedMetric;
    readonly errors: WatchedMetric;
    readonly latency: WatchedMetric;
    /** The SLO burn-rate alerts (composite alarms): what stops a fault experiment before shoppers pay for it. */
    readonly burnAlarmArns: pulumi.Output<string>[] = [];

    constructor(name: string, args: ShopSignalsArgs, opts?: pulumi.ComponentResourceOptions) {
        const slo = args.slo ?? sloDefaults;
        const problems = new Problems()
            .check(Object.keys(args.logGroups).length === 0, "logGroups must name at least one log group")
            .check(
                !/^[A-Za-z0-9/_.#:-]{1,255}$/.test(args.metricNamespace),
                `metricNamespace must be 1-255 letters, digits or / _ . # : - (got ${JSON.stringify(args.metricNamespace)})`,
            )
            .check(
                !/^[A-Za-z0-9-]{1,200}$/.test(args.alarmNamePrefix),
                `alarmNamePrefix must be 1-200 letters, digits or hyphens (got ${JSON.stringify(args.alarmNamePrefix)})`,
            );
        for (const problem of sloProblems(slo)) problems.check(true, problem);
        problems.throwIfAny("ShopSignals", name);
        super("shop:observability:ShopSignals", name, {}, opts);

        const tags = args.tags ?? {};
        const parent = { parent: this };
        const ns = args.metricNamespace;
        const slowWhen = `msg = "request" && $.ms > ${slo.latencyMs}`;
        const filters = { ...signals, SlowRequests: { when: slowWhen, value: "1" } };
        for (const [key, group] of Object.entries(args.logGroups)) {
            const at = group.fields ?? "$.";
            for (const [metric, signal] of Object.entries(filters)) {
                const counted = signal.value === "1";
                new aws.cloudwatch.LogMetricFilter(
                    `${name}-${key}-${metric}`,
                    {
                        logGroupName: group.name,
                        pattern: `{ ${at}${signal.when.replace(/\$\./g, at)} }`,
                        metricTransformation: {
                            namespace: ns,
                            name: metric,
                            value: counted ? "1" : `${at}${signal.value}`,
                            // Counts are 0 when the shop logs but none matches: a quiet minute is not a missing one.
                            defaultValue: counted ? "0" : undefined,
                            unit: metric === "LatencyMs" ? "Milliseconds" : metric === "OutboxLagSeconds" ? "Seconds" : "Count",
                        },
                    },
                    parent,
                );
            }
        }

        this.alarms = new ComponentAlarms(name, args.alarms, this, tags);
        const metric = (metricName: string, stat: string) => ({ namespace: ns, metricName, dimensions: {}, stat });
        this.alarms.math(`${name}-5xx`, {
            kind: "shop5xxPercent",
            description: `${name}: the shop answers 5xx to more than the threshold's percentage of requests. Look at: "request failed" and "dependency unavailable" lines in the shop's logs (the err field), the databases', cache's and services' alarms`,
            expression: "IF(requests > 0, 100 * errors / requests, 0)",
            metrics: { requests: metric("Requests", "Sum"), errors: metric("ServerErrors", "Sum") },
            comparison: "GreaterThanThreshold",
        });
        this.alarms.metric(`${name}-checkouts`, {
            ...metric("CheckoutFailures", "Sum"),
            kind: "shopCheckoutFailures",
            description: `${name}: more checkouts failed than the threshold in a period. Look at: "checkout failed" lines (status and reason: payment declined, out of stock, the orders database), the orders database's alarms`,
            comparison: "GreaterThanThreshold",
        });
        if (args.emits?.breakers)
            this.alarms.metric(`${name}-breakers`, {
                ...metric("BreakersOpened", "Sum"),
                kind: "shopBreakersOpened",
                description: `${name}: a circuit breaker opened; calls to a service fail at once. Look at: "circuit breaker opened" lines (the service field), that service's fleet or pods and its load balancer's unhealthy targets`,
                comparison: "GreaterThanThreshold",
            });
        if (args.emits?.outbox)
            this.alarms.metric(`${name}-outbox`, {
                ...metric("OutboxLagSeconds", "Maximum"),
                kind: "shopOutboxLagSeconds",
                description: `${name}: the search outbox's oldest change waits longer than the threshold in seconds; search shows stale products. Look at: "search outbox" lines (OpenSearch refusing batches), the search domain's alarms`,
                comparison: "GreaterThanThreshold",
            });

        // The SLOs: the share of bad requests against the budget, over a long and a short window, both burning to page.
        const objectives = [
            { key: "availability", bad: "ServerErrors", budget: 1 - slo.availabilityPercent / 100, what: `answers without a 5xx ${slo.availabilityPercent}%` },
            { key: "latency", bad: "SlowRequests", budget: 1 - slo.latencyPercent / 100, what: `answers within ${slo.latencyMs} ms ${slo.latencyPercent}%` },
        ];
        if (this.alarms.enabled) {
            const topic = this.alarms.topicArn();
            for (const objective of objectives)
                for (const window of burnWindows) {
                    const over = (seconds: number, which: string) =>
                        new aws.cloudwatch.MetricAlarm(
                            `${name}-${objective.key}-${window.key}-${which}`,
                            {
                                alarmDescription: `${name}: ${objective.key} budget burning ${window.burnRate}× over ${seconds / 60} min (the ${which} window of the ${window.key} burn alert)`,
                                metricQueries: [
                                    { id: "e", expression: "IF(requests > 0, bad / requests, 0)", label: `${objective.key} bad share`, returnData: true },
                                    { id: "bad", returnData: false, metric: { ...metric(objective.bad, "Sum"), period: seconds } },
                                    { id: "requests", returnData: false, metric: { ...metric("Requests", "Sum"), period: seconds } },
                                ],
                                evaluationPeriods: 1,
                                threshold: window.burnRate * objective.budget,
                                comparisonOperator: "GreaterThanThreshold",
                                treatMissingData: "notBreaching",
                                tags: { ...tags, alarm: `slo-${objective.key}-${window.key}-${which}` },
                            },
                            parent,
                        );
                    const long = over(window.longSeconds, "long");
                    const short = over(window.shortSeconds, "short");
                    const burn = new aws.cloudwatch.CompositeAlarm(
                        `${name}-${objective.key}-${window.key}`,
                        {
                            alarmName: `${args.alarmNamePrefix}-${objective.key}-${window.key}-burn`,
                            alarmDescription: `${name}: the ${objective.key} objective (${objective.what}) burns its 30-day budget ${window.burnRate}× too fast over ${window.longSeconds / 3600} h and still over the last ${window.shortSeconds / 60} min. Look at: the shop's 5xx and slow requests in its logs (fields status, ms, url), then the tiers' alarms on the dashboard`,
                            alarmRule: pulumi.interpolate`ALARM("${long.name}") AND ALARM("${short.name}")`,
                            alarmActions: [topic],
                            okActions: [topic],
                            tags: { ...tags, alarm: `slo-${objective.key}-${window.key}` },
                        },
                        parent,
                    );
                    this.burnAlarmArns.push(burn.arn);
                }
        }
        const region = aws.getRegionOutput({}, parent).region;
        this.traffic = { ...metric("Requests", "Sum"), region };
        this.errors = { ...metric("ServerErrors", "Sum"), region };
        this.latency = { ...metric("LatencyMs", "p99"), region };
        this.registerOutputs({});
    }
}

/** What an SLO may not be. */
export function sloProblems(slo: Partial<Slo>, where = ""): string[] {
    const problems: string[] = [];
    for (const key of ["availabilityPercent", "latencyPercent"] as const) {
        const v = slo[key];
        // Below 95% a budget is so large that a 14.4× burn would pass 100% of the requests: the fast alert could never fire.
        if (v !== undefined && !(v >= 95 && v < 100)) problems.push(`${where}${key} must be at least 95 and below 100 (got ${v})`);
    }
    if (slo.latencyMs !== undefined && !isIntIn(slo.latencyMs, 1, 60_000))
        problems.push(`${where}latencyMs must be an integer from 1 to 60000 (got ${slo.latencyMs})`);
    return problems;
}
