import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmKind, AlarmRuleOverrides, ruleOf } from "./alarm-rules";
import { alarmTopic } from "./alarm-topic";

/** The `alarms` option every component with a stateful resource or an entry point takes. */
export interface AlarmsArgs {
    /** The SNS topic the alarms notify, in the component's region. @default a topic the component makes (with no subscribers) */
    topicArn?: pulumi.Input<string>;
    /** The topic in each other region the component spans, by the key of its secondary there. @default a topic the component makes there */
    topicArnsByKey?: Record<string, pulumi.Input<string>>;
    /** Thresholds and periods other than the documented defaults (alarm-rules.ts). @default {} */
    rules?: AlarmRuleOverrides;
}

/** A metric as a dashboard graphs it: namespace, name, dimensions, statistic, and the region it lives in. */
export interface WatchedMetric {
    namespace: string;
    metricName: string;
    dimensions: Record<string, pulumi.Input<string>>;
    stat: string;
    region: pulumi.Input<string>;
}

/** What a component shows on the stack's dashboard: a titled graph per group of metrics. */
export interface Watched {
    title: string;
    metrics: WatchedMetric[];
}

export interface MetricAlarmSpec {
    kind: AlarmKind;
    /** What broke and where to look first. */
    description: string;
    namespace: string;
    metricName: string;
    dimensions: Record<string, pulumi.Input<string>>;
    /** A statistic (Average, Maximum, Minimum, Sum) or a percentile such as p99. */
    stat: string;
    comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
    /** The threshold, when it is not the rule's (a share of a size, say). */
    threshold?: number;
    /** Missing data: a metric that stops (a lost health check) breaches; one that is quiet when all is well does not. @default "notBreaching" */
    missing?: "breaching" | "notBreaching" | "missing";
    /** The secondary's key, for an alarm in another region the component spans. */
    secondary?: { key: string; provider: aws.Provider };
}

export interface MathAlarmSpec {
    kind: AlarmKind;
    description: string;
    /** The metric math expression over the metrics' ids, whose value is compared with the threshold. */
    expression: string;
    /** The metrics the expression reads, by id (lower-case first letter). */
    metrics: Record<string, { namespace: string; metricName: string; dimensions: Record<string, pulumi.Input<string>>; stat: string }>;
    comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
    threshold?: number;
}

/** A resource's alarms as a component makes them: each with its topic as action, on recovery too. */
export class ComponentAlarms {
    readonly enabled: boolean;
    /** What the alarms watch, for the stack's dashboard. */
    readonly watched: WatchedMetric[] = [];
    private readonly topics = new Map<string, pulumi.Input<string>>();

    constructor(
        private readonly owner: string,
        private readonly args: AlarmsArgs | false | undefined,
        private readonly parent: pulumi.Resource,
        private readonly tags: Record<string, string> = {},
    ) {
        this.enabled = args !== false;
    }

    private get options(): AlarmsArgs {
        return this.args === false || this.args === undefined ? {} : this.args;
    }

    rule(kind: AlarmKind) {
        return ruleOf(kind, this.options.rules);
    }

    /** The topic of the home region, or of a secondary's. */
    topicArn(secondary?: { key: string; provider: aws.Provider }): pulumi.Input<string> {
        const key = secondary?.key ?? "";
        const given = secondary ? this.options.topicArnsByKey?.[secondary.key] : this.options.topicArn;
        if (given !== undefined) return given;
        if (!this.topics.has(key)) {
            const opts = secondary ? { parent: this.parent, provider: secondary.provider } : { parent: this.parent };
            this.topics.set(key, alarmTopic(secondary ? `${this.owner}-${key}` : this.owner, { tags: this.tags }, opts).arn);
        }
        return this.topics.get(key)!;
    }

    /** One alarm on one metric; nothing when the component's alarms are off. */
    metric(name: string, spec: MetricAlarmSpec): aws.cloudwatch.MetricAlarm | undefined {
        const region = aws.getRegionOutput({}, spec.secondary ? { parent: this.parent, provider: spec.secondary.provider } : { parent: this.parent }).region;
        this.watched.push({ namespace: spec.namespace, metricName: spec.metricName, dimensions: spec.dimensions, stat: spec.stat, region });
        if (!this.enabled) return undefined;
        const rule = this.rule(spec.kind);
        const percentile = /^p\d/.test(spec.stat);
        const topic = this.topicArn(spec.secondary);
        return new aws.cloudwatch.MetricAlarm(
            name,
            {
                alarmDescription: describe(spec.description, rule),
                namespace: spec.namespace,
                metricName: spec.metricName,
                dimensions: spec.dimensions,
                ...(percentile ? { extendedStatistic: spec.stat } : { statistic: spec.stat }),
                period: rule.periodSeconds,
                evaluationPeriods: rule.evaluationPeriods,
                threshold: spec.threshold ?? rule.threshold,
                comparisonOperator: spec.comparison,
                treatMissingData: spec.missing ?? "notBreaching",
                alarmActions: [topic],
                okActions: [topic],
                tags: { ...this.tags, alarm: spec.kind },
            },
            spec.secondary ? { parent: this.parent, provider: spec.secondary.provider } : { parent: this.parent },
        );
    }

    /** One alarm on a metric math expression (a ratio, say); nothing when the component's alarms are off. */
    math(name: string, spec: MathAlarmSpec): aws.cloudwatch.MetricAlarm | undefined {
        const region = aws.getRegionOutput({}, { parent: this.parent }).region;
        for (const m of Object.values(spec.metrics)) this.watched.push({ ...m, region });
        if (!this.enabled) return undefined;
        const rule = this.rule(spec.kind);
        const topic = this.topicArn();
        return new aws.cloudwatch.MetricAlarm(
            name,
            {
                alarmDescription: describe(spec.description, rule),
                metricQueries: [
                    { id: "e", expression: spec.expression, label: spec.kind, returnData: true },
                    ...Object.entries(spec.metrics).map(([id, m]) => ({
                        id,
                        returnData: false,
                        metric: { namespace: m.namespace, metricName: m.metricName, dimensions: m.dimensions, stat: m.stat, period: rule.periodSeconds },
                    })),
                ],
                evaluationPeriods: rule.evaluationPeriods,
                threshold: spec.threshold ?? rule.threshold,
                comparisonOperator: spec.comparison,
                treatMissingData: "notBreaching",
                alarmActions: [topic],
                okActions: [topic],
                tags: { ...this.tags, alarm: spec.kind },
            },
            { parent: this.parent },
        );
    }
}

/** The description with the rule it runs on, so the page says how long it has been so. */
function describe(text: string, rule: { periodSeconds: number; evaluationPeriods: number }): string {
    const minutes = (rule.periodSeconds * rule.evaluationPeriods) / 60;
    // CloudWatch keeps 1024 characters of a description.
    return `${text} (${rule.evaluationPeriods} × ${rule.periodSeconds} s, ${minutes} min)`.slice(0, 1024);
}
