import * as pulumi from "@pulumi/pulumi";
import { NginxConfArgs, nginxConfProblems, renderNginxConf, Upstream } from "../edge/nginx-conf";
import { AlarmsArgs, ComponentAlarms } from "../observability/alarms";
import { Problems } from "../validation";
import { fleet, fleetProblems } from "./fleet";
import { renderNginxUserData } from "./nginx-user-data";

/** An upstream whose DNS name may be another resource's output. */
export type FleetUpstream = Upstream | (Omit<Extract<Upstream, { dnsName: string }>, "dnsName"> & { dnsName: pulumi.Input<string> });

/** The plain health port of an Nginx fleet behind an NLB with proxy protocol. */
export const nginxHealthPort = 8081;

export interface NginxFleetArgs {
    vpcId: pulumi.Input<string>;
    /** The VPC's range: where the load balancer and the upstreams live. */
    vpcCidr: string;
    /** Private subnets, in at least two zones. */
    subnetIds: pulumi.Input<string>[];
    /** The application servers nginx balances over; a DNS name may come from another resource (an internal load balancer's). */
    upstream: FleetUpstream;
    /** Security groups admitted on port 80 (the load balancer's), keyed. */
    allowedSecurityGroups: Record<string, pulumi.Input<string>>;
    /** Target groups the instances register with. */
    targetGroupArns: pulumi.Input<string>[];
    /** In front of nginx: an ALB (client address in X-Forwarded-For) or an NLB with proxy protocol. @default "alb" */
    behind?: "alb" | "nlb-proxy-protocol";
    /** Per-client rate limit. @default { requestsPerSecond: 50, burst: 100 } */
    rateLimit?: NginxConfArgs["rateLimit"];
    /** @default "t3.small" */
    instanceType?: string;
    /** @default 2 */
    minSize?: number;
    /** @default 6 */
    maxSize?: number;
    /** Average CPU the scaling keeps to. @default 60 */
    targetCpuPercent?: number;
    /** Tags for every child, on top of the provider's default tags. @default {} */
    tags?: Record<string, string>;
    /** An alarm on the group's instances in service; false for none. @default on, with a topic of its own */
    alarms?: AlarmsArgs | false;
}

/**
 * The Nginx fleet of stage 4 on: an Auto Scaling group of nginx instances, their
 * configuration rendered by `renderNginxConf` (the same renderer the Kubernetes workload
 * uses), in front of the application servers. A changed configuration rolls the fleet.
 */
export class NginxFleet extends pulumi.ComponentResource {
    readonly autoScalingGroupName: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    /** Its alarms, and the metrics they watch. */
    readonly alarms: ComponentAlarms;
    /** The configuration the instances run. */
    readonly nginxConf: pulumi.Output<string>;
    /** Behind an NLB with proxy protocol: the plain port for the target group's health check (`healthCheckPort`). */
    readonly healthCheckPort?: number;

    constructor(name: string, args: NginxFleetArgs, opts?: pulumi.ComponentResourceOptions) {
        const size = {
            instanceType: args.instanceType ?? "t3.small",
            minSize: args.minSize ?? 2,
            maxSize: args.maxSize ?? 6,
            targetCpuPercent: args.targetCpuPercent ?? 60,
        };
        // A proxy-protocol listener cannot answer the NLB's plain HTTP health check: a second port does.
        const healthPort = args.behind === "nlb-proxy-protocol" ? nginxHealthPort : undefined;
        // Checked now with a stand-in for a DNS name not known yet; rendered once it is.
        const upstream = args.upstream;
        const withName = (dnsName: string): Upstream => ("servers" in upstream ? upstream : { ...upstream, dnsName });
        const confArgs = (dnsName: string): NginxConfArgs => ({
            upstream: withName(dnsName),
            clientAddress: { from: args.behind ?? "alb", trustedCidrs: [args.vpcCidr] },
            rateLimit: args.rateLimit,
            healthPort,
        });
        const knownName = "servers" in upstream ? "" : typeof upstream.dnsName === "string" ? upstream.dnsName : "upstream.internal";
        const problems = fleetProblems(new Problems(), { ...size, subnetIds: args.subnetIds, allowedSecurityGroups: args.allowedSecurityGroups });
        for (const problem of nginxConfProblems(confArgs(knownName))) problems.check(true, problem);
        problems.throwIfAny("NginxFleet", name);
        super("shop:compute:NginxFleet", name, {}, opts);

        const nginxConf =
            "servers" in upstream
                ? pulumi.output(renderNginxConf(confArgs("")))
                : pulumi.output(upstream.dnsName).apply((dnsName) => renderNginxConf(confArgs(dnsName)));
        const upstreamPorts = "servers" in args.upstream ? args.upstream.servers.map((s) => Number(s.address.split(":").pop())) : [args.upstream.port];
        this.alarms = new ComponentAlarms(name, args.alarms, this, args.tags ?? {});
        const { group, securityGroup } = fleet(
            name,
            {
                vpcId: args.vpcId,
                vpcCidr: args.vpcCidr,
                subnetIds: args.subnetIds,
                port: 80,
                healthPort,
                allowedSecurityGroups: args.allowedSecurityGroups,
                egressInVpc: upstreamPorts,
                userData: nginxConf.apply(renderNginxUserData),
                targetGroupArns: args.targetGroupArns,
                ...size,
                managedPolicies: {},
                rootVolumeGiB: 20,
                metadataHopLimit: 1,
                alarms: this.alarms,
                tags: args.tags ?? {},
            },
            this,
        );

        this.autoScalingGroupName = group.name;
        this.securityGroupId = securityGroup.id;
        this.nginxConf = nginxConf;
        this.healthCheckPort = healthPort;
        this.registerOutputs({ autoScalingGroupName: this.autoScalingGroupName, securityGroupId: this.securityGroupId });
    }
}
