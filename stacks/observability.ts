import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ComponentAlarms, WatchedMetric } from "../components/observability/alarms";
import { dashboardBody, DashboardRow, graphsOf, ResolvedMetric } from "../components/observability/dashboard";
import { ShopLogGroup, ShopSignals } from "../components/observability/shop-signals";
import { StackConfig } from "./config";
import { RegionCell } from "./region-cell";

/** The tiers of the dashboard, in its order below the golden signals. */
export const tiers = {
    entry: "Entry",
    proxy: "Proxy",
    application: "Application and services",
    cache: "Cache",
    databases: "Databases",
    search: "Search",
    cluster: "Cluster",
};
export type Tier = keyof typeof tiers;

/** What a stage deploys in one serving region, as far as watching it goes. */
export interface ObservedRegion {
    cell: RegionCell;
    /** Where the region's shop processes log. */
    logGroups: Record<string, ShopLogGroup>;
    /** How full the entry is: the balancer's connections, or the lone server's CPU. */
    saturation: WatchedMetric;
}

/**
 * The stack's one composition point of its operations: the shop's signals and SLO alerts in
 * each serving region (ShopSignals, from the shop's logs), and one dashboard, `shop-<stack>` in
 * the home region, built from what the stage deploys: the entry's golden signals (traffic,
 * errors, latency, saturation) per region, then a row per tier the stage has, each graph
 * showing what that tier's alarms watch. The components' alarms are their own (their `alarms`
 * option); this only adds what no single component owns.
 */
export function observe(
    config: StackConfig,
    regions: ObservedRegion[],
    parts: Partial<Record<Tier, ComponentAlarms[]>>,
): { dashboardName: pulumi.Output<string>; stopAlarmArns: pulumi.Output<string>[] } {
    const stack = pulumi.getStack();
    const from = (stage: number) => config.stage.number >= stage;
    const signals = regions.map(
        ({ cell, logGroups }) =>
            new ShopSignals(
                `shop-signals-${cell.region}`,
                {
                    logGroups,
                    metricNamespace: `Shop/${stack}`,
                    alarmNamePrefix: `shop-${stack}-${cell.region}`,
                    slo: config.slo,
                    // Search's breaker and outbox from stage 10; the gateway's breakers from stage 12.
                    emits: { outbox: from(10), breakers: from(10) },
                    alarms: cell.alarms,
                },
                { provider: cell.provider },
            ),
    );
    const golden: DashboardRow = {
        title: `The shop's golden signals (SLO: ${config.slo.availabilityPercent}% without a 5xx, ${config.slo.latencyPercent}% within ${config.slo.latencyMs} ms)`,
        graphs: [
            { title: "Traffic: requests", metrics: signals.map((s) => s.traffic) },
            { title: "Errors: 5xx answers", metrics: signals.map((s) => s.errors) },
            { title: "Latency: p99, ms", metrics: signals.map((s) => s.latency) },
            { title: "Saturation: the entry", metrics: regions.map((r) => r.saturation) },
        ] as unknown as DashboardRow["graphs"],
    };
    const rows = pulumi.output([
        golden,
        ...Object.entries(tiers).map(([tier, title]) => ({
            title,
            metrics: (parts[tier as Tier] ?? []).flatMap((alarms) => alarms.watched),
        })),
    ]);
    const [home] = regions;
    const dashboard = new aws.cloudwatch.Dashboard(
        "shop-dashboard",
        {
            dashboardName: `shop-${stack}`,
            dashboardBody: rows.apply((resolved) =>
                dashboardBody(
                    resolved.map((row) =>
                        "graphs" in row ? (row as DashboardRow) : { title: row.title, graphs: graphsOf(row.title, row.metrics as unknown as ResolvedMetric[]) },
                    ),
                ),
            ),
        },
        { provider: home.cell.provider },
    );
    // The home region's burn-rate alerts stop the stack's fault experiments.
    return { dashboardName: dashboard.dashboardName, stopAlarmArns: signals[0].burnAlarmArns };
}
