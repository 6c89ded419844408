import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmsArgs, ComponentAlarms } from "../observability/alarms";
import { Problems } from "../validation";

export interface RegionTarget {
    /** The region, used as the record's set identifier. */
    region: string;
    /** The region's load balancer. */
    dnsName: pulumi.Input<string>;
    /** The hosted zone of the load balancer's DNS name (its `zoneId` output). */
    zoneId: pulumi.Input<string>;
    /** Share of traffic, 0-255; 0 drains the region while keeping its record. @default 1 */
    weight?: number;
}

export type HostedZoneRef =
    /** A zone managed elsewhere, by id. */
    | { zoneId: pulumi.Input<string> }
    /** A public zone that exists already, found by name at deploy time. */
    | { lookup: string }
    /** A public zone this component creates (delegate its name servers at the registrar). */
    | { create: string };

export interface WeightedDnsArgs {
    hostedZone: HostedZoneRef;
    /** The shop's host name, such as shop.example.com. */
    recordName: string;
    /** One entry per region, each to that region's load balancer. */
    targets: RegionTarget[];
    /** `weighted` spreads traffic by weight; `failover` sends all of it to the first target while it is healthy, then to the second. @default "weighted" */
    mode?: "weighted" | "failover";
    /** How Route 53 checks each region: HTTPS on 443 (load balancers with a certificate) or HTTP on 80. @default "https" */
    healthCheckProtocol?: "https" | "http";
    /** The path checked in each region. @default "/healthz" */
    healthCheckPath?: string;
    /** Tags for every child, on top of the provider's default tags. @default {} */
    tags?: Record<string, string>;
    /**
     * An alarm on each region's health check, made in us-east-1, the one region where Route 53
     * publishes health check metrics: with the provider of us-east-1 (`usEast1`), and its topic as
     * `topicArnsByKey["us-east-1"]`; false for none. @default on, with the component's provider (which must be us-east-1's) and a topic of its own
     */
    alarms?: (AlarmsArgs & { usEast1?: aws.Provider }) | false;
}

const regionPattern = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/**
 * One name in front of several regions: per region a Route 53 health check of that region's
 * `healthCheckPath` (the stacks probe readiness, `/readyz`, through the whole path) and an alias record to its load balancer, weighted (set identifier = region)
 * or primary/secondary failover. A region whose check fails leaves the answers within a
 * minute or so. Regions come in as data from the caller; the component reads no region config.
 */
export class WeightedDns extends pulumi.ComponentResource {
    readonly zoneId: pulumi.Output<string>;
    readonly fqdn: string;
    /** Route 53 health check id per region. */
    readonly healthCheckIds: Record<string, pulumi.Output<string>>;
    /** Name servers of the zone, when this component created it. */
    readonly nameServers?: pulumi.Output<string[]>;
    /** Its alarms, and the metrics they watch. */
    readonly alarms: ComponentAlarms;

    constructor(name: string, args: WeightedDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        super("shop:edge:WeightedDns", name, {}, opts);

        const tags = args.tags ?? {};
        const parent = { parent: this };
        const mode = args.mode ?? "weighted";
        const https = (args.healthCheckProtocol ?? "https") === "https";

        let zoneId: pulumi.Output<string>;
        if ("zoneId" in args.hostedZone) {
            zoneId = pulumi.output(args.hostedZone.zoneId);
        } else if ("lookup" in args.hostedZone) {
            zoneId = aws.route53.getZoneOutput({ name: args.hostedZone.lookup, privateZone: false }, parent).zoneId;
        } else {
            // Deleting a zone loses its delegation: keep it when the stack goes.
            const zone = new aws.route53.Zone(
                name,
                { name: args.hostedZone.create, comment: `${args.recordName}, served from several regions`, tags },
                { parent: this, retainOnDelete: true },
            );
            zoneId = zone.zoneId;
            this.nameServers = zone.nameServers;
        }

        this.alarms = new ComponentAlarms(name, args.alarms, this, tags);
        const usEast1 = args.alarms ? args.alarms.usEast1 : undefined;
        this.healthCheckIds = {};
        args.targets.forEach((target, i) => {
            const check = new aws.route53.HealthCheck(
                `${name}-${target.region}`,
                {
                    type: https ? "HTTPS" : "HTTP",
                    fqdn: target.dnsName,
                    port: https ? 443 : 80,
                    resourcePath: args.healthCheckPath ?? "/healthz",
                    enableSni: https ? true : undefined,
                    requestInterval: 10,
                    failureThreshold: 3,
                    measureLatency: true,
                    tags: { ...tags, Name: `${args.recordName} in ${target.region}` },
                },
                parent,
            );
            new aws.route53.Record(
                `${name}-${target.region}`,
                {
                    zoneId,
                    name: args.recordName,
                    type: "A",
                    setIdentifier: target.region,
                    healthCheckId: check.id,
                    aliases: [{ name: target.dnsName, zoneId: target.zoneId, evaluateTargetHealth: true }],
                    ...(mode === "weighted"
                        ? { weightedRoutingPolicies: [{ weight: target.weight ?? 1 }] }
                        : { failoverRoutingPolicies: [{ type: i === 0 ? "PRIMARY" : "SECONDARY" }] }),
                },
                parent,
            );
            this.healthCheckIds[target.region] = check.id;
            this.alarms.metric(`${name}-${target.region}-health`, {
                kind: "regionHealthCheck",
                description: `${args.recordName} in ${target.region}: Route 53's health check of ${args.healthCheckPath ?? "/healthz"} fails; DNS stops answering with the region. Look at: the region's entry alarms (load balancer, fleets or pods), its databases' and cache's reachability (/readyz checks them), the health checkers' reports in the Route 53 console`,
                namespace: "AWS/Route53",
                metricName: "HealthCheckStatus",
                dimensions: { HealthCheckId: check.id },
                stat: "Minimum",
                comparison: "LessThanThreshold",
                // A check that stops reporting is as bad as a failing one.
                missing: "breaching",
                ...(usEast1 && { secondary: { key: "us-east-1", provider: usEast1 } }),
            });
        });

        this.zoneId = zoneId;
        this.fqdn = args.recordName;
        this.registerOutputs({ zoneId: this.zoneId, fqdn: this.fqdn, healthCheckIds: this.healthCheckIds, nameServers: this.nameServers });
    }
}

function validate(name: string, args: WeightedDnsArgs): void {
    const mode = args.mode ?? "weighted";
    const regions = args.targets.map((t) => t.region);
    const duplicates = [...new Set(regions.filter((r, i) => regions.indexOf(r) !== i))];
    const zoneName = "lookup" in args.hostedZone ? args.hostedZone.lookup : "create" in args.hostedZone ? args.hostedZone.create : undefined;
    const problems = new Problems()
        .check(args.targets.length === 0, "targets must hold at least one region")
        .check(duplicates.length > 0, `regions must be unique (repeated: ${duplicates.join(", ")})`)
        .check(mode === "failover" && args.targets.length !== 2, `failover needs exactly two targets, primary then secondary (got ${args.targets.length})`)
        .check(
            mode === "weighted" && args.targets.length > 0 && args.targets.every((t) => (t.weight ?? 1) === 0),
            "at least one weight must be above 0, or no region gets traffic",
        )
        .check(
            !/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/.test(args.recordName),
            `recordName must be a lower-case DNS name (got ${JSON.stringify(args.recordName)})`,
        )
        .check(
            zoneName !== undefined && args.recordName !== zoneName && !args.recordName.endsWith(`.${zoneName}`),
            `recordName ${args.recordName} is not inside the zone ${zoneName}`,
        )
        .check(
            args.healthCheckPath !== undefined && !args.healthCheckPath.startsWith("/"),
            `healthCheckPath must start with / (got ${JSON.stringify(args.healthCheckPath)})`,
        );
    for (const target of args.targets) {
        problems
            .check(!regionPattern.test(target.region), `targets: ${JSON.stringify(target.region)} is not an AWS region`)
            .check(
                target.weight !== undefined && !(Number.isInteger(target.weight) && target.weight >= 0 && target.weight <= 255),
                `targets.${target.region}.weight must be an integer from 0 to 255 (got ${target.weight})`,
            )
            .check(!target.dnsName || !target.zoneId, `targets.${target.region} needs the load balancer's dnsName and zoneId`);
    }
    problems.throwIfAny("WeightedDns", name);
}
