import { WatchedMetric } from "./alarms";

/** A metric with every value known, as the dashboard's body holds it. */
export type ResolvedMetric = { [K in keyof WatchedMetric]: K extends "dimensions" ? Record<string, string> : K extends "region" ? string : WatchedMetric[K] };

export interface DashboardGraph {
    title: string;
    metrics: ResolvedMetric[];
}

/** A row of the dashboard: a heading, then its graphs side by side (wrapping every four). */
export interface DashboardRow {
    title: string;
    graphs: DashboardGraph[];
}

/** CloudWatch's limits on a dashboard (the CloudWatch quotas page): widgets a dashboard, metrics a graph. */
export const dashboardLimits = { widgets: 500, metricsPerGraph: 500 };

const width = 6;
const height = 6;

/**
 * The dashboard body (CloudWatch's dashboard body structure): a text widget heading each row,
 * then one graph a group of metrics, each metric with its own region and statistic, so that one
 * dashboard shows every region of the stack.
 */
export function dashboardBody(rows: DashboardRow[]): string {
    const widgets: object[] = [];
    let y = 0;
    for (const row of rows.filter((r) => r.graphs.length > 0)) {
        widgets.push({ type: "text", x: 0, y, width: 24, height: 1, properties: { markdown: `## ${row.title}` } });
        y += 1;
        row.graphs.forEach((graph, i) => {
            if (i > 0 && i % 4 === 0) y += height;
            widgets.push({
                type: "metric",
                x: (i % 4) * width,
                y,
                width,
                height,
                properties: {
                    title: graph.title.slice(0, 255),
                    view: "timeSeries",
                    stacked: false,
                    region: graph.metrics[0].region,
                    period: 60,
                    metrics: graph.metrics.map((m) => [
                        m.namespace,
                        m.metricName,
                        ...Object.entries(m.dimensions).flat(),
                        { stat: m.stat, region: m.region, label: `${m.metricName} ${Object.values(m.dimensions).join(" ")} ${m.region}`.trim() },
                    ]),
                },
            });
        });
        y += height;
    }
    return JSON.stringify({ widgets });
}

/** One graph per distinct metric name of a component's watched metrics, titled by the component. */
export function graphsOf(title: string, metrics: ResolvedMetric[]): DashboardGraph[] {
    const byName = new Map<string, ResolvedMetric[]>();
    for (const m of metrics) {
        const key = `${m.namespace} ${m.metricName} ${m.stat}`;
        const seen = byName.get(key) ?? [];
        if (!seen.some((s) => JSON.stringify(s) === JSON.stringify(m))) seen.push(m);
        byName.set(key, seen);
    }
    return [...byName.values()].map((group) => ({ title: `${title}: ${group[0].metricName}`, metrics: group }));
}
