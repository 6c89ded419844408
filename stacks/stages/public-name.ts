import * as aws from "@pulumi/aws";
import { SiteCertificate } from "../../components/edge/site-certificate";
import { WeightedDns } from "../../components/edge/weighted-dns";
import { LoadBalancer } from "../../components/edge/load-balancer";
import { StackConfig } from "../config";
import { alarmTopic } from "../../components/observability/alarm-topic";
import { RegionCell, regionProvider } from "../region-cell";

/**
 * The shop's public name, from stage 4 on when `domain` is set: an ACM certificate in every
 * serving region (HTTPS on the load balancers), and the name in Route 53 as weighted alias
 * records with health checks, one per region. With one region the record simply points at
 * it; stage 9 (seed 3.9, DNS across data centres) adds a record per region under the same
 * resources, and Route 53 answers with the healthy regions in proportion to their weights.
 */
export function publicName(config: StackConfig & { domain: string; hostedZone: string }, cells: RegionCell[]) {
    const [home] = cells;
    const zoneId = aws.route53.getZoneOutput({ name: config.hostedZone, privateZone: false }, { provider: home.provider }).zoneId;
    const certificate = new SiteCertificate(
        "shop-site",
        { domain: config.domain, hostedZoneId: zoneId, regions: Object.fromEntries(cells.map((cell) => [cell.region, cell.provider])) },
        { provider: home.provider },
    );
    // Route 53 publishes health check metrics in us-east-1 alone: their alarms live there, with a topic of the stack's there.
    const usEast1 =
        cells.find((cell) => cell.region === "us-east-1") ??
        (() => {
            const provider = regionProvider("us-east-1", config.tags);
            return { provider, alarms: { topicArn: alarmTopic("shop-us-east-1", { subscribers: config.alarms.subscribers }, { provider }).arn } };
        })();
    return {
        certificateArnIn: (region: string) => certificate.certificateArns[region],
        /** Points the name at each region's load balancer. */
        route: (edges: { region: string; edge: LoadBalancer }[]) =>
            new WeightedDns(
                "shop-dns",
                {
                    hostedZone: { zoneId },
                    recordName: config.domain,
                    targets: edges.map(({ region, edge }) => ({ region, dnsName: edge.dnsName, zoneId: edge.zoneId, weight: 100 })),
                    healthCheckProtocol: "https",
                    // Readiness through the whole path (the load balancer, Nginx, the application, its databases): a region
                    // that cannot serve leaves DNS. Nginx answers /healthz itself and passes /readyz on; the target groups
                    // and Auto Scaling groups keep probing liveness, so a shared database's outage replaces no instance.
                    healthCheckPath: "/readyz",
                    alarms: { ...home.alarms, usEast1: usEast1.provider, topicArnsByKey: { "us-east-1": usEast1.alarms.topicArn } },
                },
                { provider: home.provider },
            ),
    };
}
