/**
 * The preflight's rules for alarms, dashboards and their topics: what CloudWatch, SNS and KMS
 * refuse, or accept and then never deliver, only when `pulumi up` calls them.
 */
import { dashboardLimits } from "../components/observability/dashboard";
import type { PlanResource, PreflightContext, PreflightRule } from "./preflight-rules";

const unknownMarks = ["(known after apply)", "(looked up at deploy)", "[secret]"];
const isUnknown = (value: unknown) => typeof value === "string" && unknownMarks.some((mark) => value.includes(mark));
const metricAlarm = "aws:cloudwatch/metricAlarm:MetricAlarm";
const compositeAlarm = "aws:cloudwatch/compositeAlarm:CompositeAlarm";
const putMetricAlarm = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html";
const statistics = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];

interface Query {
    id?: string;
    expression?: string;
    returnData?: boolean;
    metric?: { period?: number; stat?: string };
}

/** A metric math alarm's queries (none for a plain alarm, or a value that is no list). */
const queriesOf = (r: PlanResource): Query[] => (Array.isArray(r.inputs.metricQueries) ? (r.inputs.metricQueries as Query[]) : []);

/** The periods an alarm reads: its own, or each metric query's. */
const periodsOf = (r: PlanResource): number[] => {
    const queries = queriesOf(r);
    return queries.length > 0 ? queries.flatMap((q) => (q.metric?.period === undefined ? [] : [Number(q.metric.period)])) : [Number(r.inputs.period)];
};

/** The topics a resource's actions reach in the plan: those among what it depends on. */
const topicsOf = (r: PlanResource, context: PreflightContext) =>
    r.dependsOn.map((urn) => context.byUrn.get(urn)).filter((d): d is PlanResource => d?.type === "aws:sns/topic:Topic");

export const alarmRules: PreflightRule[] = [
    {
        id: "alarm-period",
        types: [metricAlarm],
        prevents:
            "CloudWatch PutMetricAlarm: ValidationError — a period that is not 10, 20, 30 or a multiple of 60 seconds, or evaluation periods × period above seven days (one day with periods under an hour)",
        source: `${putMetricAlarm} (Period, EvaluationPeriods)`,
        check: (r) => {
            const periods = periodsOf(r).filter((p) => !isUnknown(p));
            const evaluations = Number(r.inputs.evaluationPeriods);
            return [
                ...periods.filter((p) => !([10, 20, 30].includes(p) || (Number.isInteger(p) && p >= 60 && p % 60 === 0))).map((p) => `period ${p} s`),
                ...periods
                    .filter((p) => p * evaluations > (p < 3600 ? 86_400 : 604_800))
                    .map((p) => `evaluationPeriods ${evaluations} × period ${p} s exceeds ${p < 3600 ? "a day" : "seven days"}`),
                ...(Number(r.inputs.datapointsToAlarm ?? evaluations) > evaluations ? ["datapointsToAlarm above evaluationPeriods"] : []),
            ];
        },
    },
    {
        id: "alarm-statistic",
        types: [metricAlarm],
        prevents:
            "CloudWatch PutMetricAlarm: ValidationError — a statistic that is not one of SampleCount, Average, Sum, Minimum, Maximum, or a malformed percentile",
        source: `${putMetricAlarm} (Statistic, ExtendedStatistic); https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html`,
        check: (r) => {
            const stats = [
                ...(r.inputs.statistic === undefined ? [] : [String(r.inputs.statistic)]),
                ...queriesOf(r).flatMap((q) => (q.metric?.stat === undefined ? [] : [String(q.metric.stat)])),
            ];
            const percentile = r.inputs.extendedStatistic === undefined ? [] : [String(r.inputs.extendedStatistic)];
            return [
                ...stats.filter((s) => !statistics.includes(s) && !/^p(\d{1,2}(\.\d{1,10})?|100)$/.test(s)).map((s) => `statistic ${s}`),
                ...percentile.filter((s) => !/^p(\d{1,2}(\.\d{1,10})?|100)$/.test(s)).map((s) => `extendedStatistic ${s}`),
            ];
        },
    },
    {
        id: "alarm-metric-math",
        types: [metricAlarm],
        prevents:
            "CloudWatch PutMetricAlarm: ValidationError — a metric math alarm must return exactly one time series, read at most 10 metrics, and name its queries with a lower-case letter first",
        source: `${putMetricAlarm} (Metrics); https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html (Id); https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html`,
        check: (r) => {
            const queries = queriesOf(r);
            if (queries.length === 0) return [];
            const returned = queries.filter((q) => q.returnData === true).length;
            const metrics = queries.filter((q) => q.metric).length;
            return [
                ...(returned === 1 ? [] : [`${returned} queries return data; exactly one must`]),
                ...(metrics > 10 ? [`${metrics} metrics; a metric math alarm reads 10 at most`] : []),
                ...queries.filter((q) => !/^[a-z][a-zA-Z0-9_]{0,254}$/.test(String(q.id))).map((q) => `query id ${JSON.stringify(q.id)}`),
            ];
        },
    },
    {
        id: "alarm-action-in-region",
        types: [metricAlarm, compositeAlarm],
        prevents:
            "CloudWatch PutMetricAlarm: ValidationError — an alarm action's SNS topic must be in the alarm's Region (and Route 53's health check metrics exist in us-east-1 alone)",
        source: `${putMetricAlarm} (AlarmActions); https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-checks.html`,
        check: (r, context) => [
            ...topicsOf(r, context)
                .filter((topic) => topic.region !== r.region)
                .map((topic) => `notifies ${topic.name} in ${topic.region}, the alarm is in ${r.region}`),
            ...(r.inputs.namespace === "AWS/Route53" && r.region !== "us-east-1"
                ? [`a Route 53 health check alarm in ${r.region}: the metric is in us-east-1`]
                : []),
        ],
    },
    {
        id: "composite-alarm-rule",
        types: [compositeAlarm],
        prevents: "CloudWatch PutCompositeAlarm: ValidationError — an alarm rule longer than 10240 characters, or a name longer than 255",
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html (AlarmRule, AlarmName)",
        check: (r) => [
            ...(typeof r.inputs.alarmRule === "string" && r.inputs.alarmRule.length > 10_240 ? [`alarmRule of ${r.inputs.alarmRule.length} characters`] : []),
        ],
    },
    {
        id: "dashboard-body",
        types: ["aws:cloudwatch/dashboard:Dashboard"],
        prevents: `CloudWatch PutDashboard: InvalidParameterInput — a body that is not JSON with widgets, more than ${dashboardLimits.widgets} widgets, or a graph of more than ${dashboardLimits.metricsPerGraph} metrics`,
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html; https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html",
        check: (r) => {
            const body = r.inputs.dashboardBody;
            if (typeof body !== "string" || isUnknown(body)) return [];
            let parsed: { widgets?: { type?: string; properties?: { metrics?: unknown[] } }[] };
            try {
                parsed = JSON.parse(body);
            } catch {
                return ["the body is not JSON"];
            }
            const widgets = parsed.widgets ?? [];
            return [
                ...(Array.isArray(parsed.widgets) ? [] : ["the body has no widgets list"]),
                ...(widgets.length > dashboardLimits.widgets ? [`${widgets.length} widgets`] : []),
                ...widgets
                    .filter((w) => w.type === "metric" && (w.properties?.metrics ?? []).length > dashboardLimits.metricsPerGraph)
                    .map((w) => `a graph of ${(w.properties?.metrics ?? []).length} metrics`),
            ];
        },
    },
    {
        id: "encrypted-topic-key-admits-cloudwatch",
        types: ["aws:sns/topic:Topic"],
        prevents:
            "no error at all: CloudWatch's publications to an SNS topic encrypted with a key whose policy does not let cloudwatch.amazonaws.com use it fail silently, and the alarm pages no one (the AWS-managed alias/aws/sns key cannot be given that right)",
        source: "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services",
        check: (r, context) => {
            const key = r.inputs.kmsMasterKeyId;
            if (key === undefined) return [];
            if (typeof key === "string" && key.includes("alias/aws/sns")) return ["encrypted with the AWS-managed key, which CloudWatch cannot use"];
            const keys = r.dependsOn.map((urn) => context.byUrn.get(urn)).filter((d): d is PlanResource => d?.type === "aws:kms/key:Key");
            return keys.flatMap((k) => {
                const policy = k.inputs.policy;
                if (typeof policy !== "string" || isUnknown(policy)) return [];
                const statements = (JSON.parse(policy).Statement ?? []) as { Principal?: { Service?: string | string[] }; Action?: string | string[] }[];
                const admits = (action: string) =>
                    statements.some(
                        (s) =>
                            [s.Principal?.Service ?? []].flat().includes("cloudwatch.amazonaws.com") &&
                            [s.Action ?? []].flat().some((a) => a === action || a === "kms:*" || (a.endsWith("*") && action.startsWith(a.slice(0, -1)))),
                    );
                return ["kms:Decrypt", "kms:GenerateDataKey"].filter((a) => !admits(a)).map((a) => `the key ${k.name} does not let CloudWatch ${a}`);
            });
        },
    },
];
