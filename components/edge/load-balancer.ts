import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmsArgs, ComponentAlarms, WatchedMetric } from "../observability/alarms";
import { isIntIn, Problems } from "../validation";
import { accessLogBucket } from "./access-log-bucket";

/** TLS 1.3, with TLS 1.2 for older clients: AWS's recommended policy for HTTPS and TLS listeners. */
export const tlsPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface TargetGroupArgs {
    /** Port the targets listen on. */
    port: number;
    /** Targets registered by instance id (Auto Scaling groups) or by IP (Kubernetes pods). @default "instance" */
    targetType?: "instance" | "ip";
    /** Health check path, over HTTP. @default "/healthz" */
    healthCheckPath?: string;
    /** Port of the health check, when the traffic port cannot answer a plain HTTP check (proxy protocol). @default the traffic port */
    healthCheckPort?: number;
    /** Seconds a deregistering target keeps its in-flight requests. @default 30 */
    deregistrationDelaySeconds?: number;
    /** NLB only: send the client's address in a proxy protocol v2 header. @default false */
    proxyProtocol?: boolean;
    /** Tags of this target group besides the load balancer's (such as the cluster tag a Kubernetes controller needs to register targets). @default {} */
    tags?: Record<string, string>;
}

export interface LoadBalancerArgs {
    /** `application` (layer 7, HTTP) or `network` (layer 4, TCP/TLS). */
    type: "application" | "network";
    vpcId: pulumi.Input<string>;
    /** The VPC's range: the load balancer reaches its targets there, and nowhere else. */
    vpcCidr: string;
    /** Public subnets when internet-facing, private ones when internal; at least two zones. */
    subnetIds: pulumi.Input<string>[];
    /** Internal (reached from the VPC only) instead of internet-facing. @default false */
    internal?: boolean;
    /** ACM certificate: HTTPS (ALB) or TLS (NLB) on 443 with a TLS 1.3 policy, and HTTP redirected to HTTPS on an ALB. @default none: HTTP or TCP on 80 */
    certificateArn?: pulumi.Input<string>;
    /** Target groups, keyed: adding one renames none. */
    targetGroups: Record<string, TargetGroupArgs>;
    /** The target group the listeners forward to. @default the only key of `targetGroups` */
    defaultTargetGroup?: string;
    /**
     * ALB only: requests whose path matches go to another target group, keyed; the lowest
     * priority is tried first. @default {}
     */
    routes?: Record<string, { pathPatterns: string[]; targetGroup: string; priority: number }>;
    /** Refuse deletion of the load balancer itself. @default true */
    deletionProtection?: boolean;
    /** Keep access logs in an S3 bucket for this many days; 0 turns them off. @default 30 */
    accessLogDays?: number;
    /** Seconds an idle connection stays open (ALB). @default 60 */
    idleTimeoutSeconds?: number;
    /** Tags for every child, on top of the provider's default tags. @default {} */
    tags?: Record<string, string>;
    /** Alarms on its 5xx rate and p99 latency (ALB) and on each target group's unhealthy targets; false for none. @default on, with a topic of its own */
    alarms?: AlarmsArgs | false;
}

/**
 * An Application or Network Load Balancer with its own security group: the listener ports
 * open to the world (or the VPC when internal), egress only to the targets' ports in the
 * VPC; never every port (pulumi-awsx #1286). HTTPS or TLS with a TLS 1.3 policy when there
 * is a certificate; access logs in S3; deletion protection and invalid-header dropping on.
 */
export class LoadBalancer extends pulumi.ComponentResource {
    readonly arn: pulumi.Output<string>;
    readonly dnsName: pulumi.Output<string>;
    readonly zoneId: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    readonly targetGroupArns: Record<string, pulumi.Output<string>>;
    /** `https://` or `http://` and the DNS name. */
    readonly url: pulumi.Output<string>;
    /** Its alarms, and the metrics they watch. */
    readonly alarms: ComponentAlarms;
    /** How full it is: an ALB's active connections, an NLB's active flows. */
    readonly saturation: WatchedMetric;

    constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        const defaultTargetGroup = args.defaultTargetGroup ?? (Object.keys(args.targetGroups).length === 1 ? Object.keys(args.targetGroups)[0] : undefined);
        validate(name, args, defaultTargetGroup);
        super("shop:edge:LoadBalancer", name, {}, opts);

        const tags = args.tags ?? {};
        const parent = { parent: this };
        const alb = args.type === "application";
        const tls = args.certificateArn !== undefined;
        const deletionProtection = args.deletionProtection ?? true;
        // An ALB with a certificate keeps 80 open only to redirect to 443.
        const listenerPorts = tls ? (alb ? [80, 443] : [443]) : [80];

        const securityGroup = new aws.ec2.SecurityGroup(
            name,
            { vpcId: args.vpcId, description: `${name}: listener ports in, target ports out`, tags: { ...tags, Name: name } },
            parent,
        );
        for (const port of listenerPorts) {
            if (args.internal) {
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-in-${port}`,
                    {
                        securityGroupId: securityGroup.id,
                        ipProtocol: "tcp",
                        fromPort: port,
                        toPort: port,
                        cidrIpv4: args.vpcCidr,
                        description: `listener ${port} from the VPC`,
                    },
                    parent,
                );
            } else {
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-in-${port}`,
                    {
                        securityGroupId: securityGroup.id,
                        ipProtocol: "tcp",
                        fromPort: port,
                        toPort: port,
                        cidrIpv4: "0.0.0.0/0",
                        description: `listener ${port}`,
                    },
                    parent,
                );
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-in-${port}-v6`,
                    {
                        securityGroupId: securityGroup.id,
                        ipProtocol: "tcp",
                        fromPort: port,
                        toPort: port,
                        cidrIpv6: "::/0",
                        description: `listener ${port} (IPv6)`,
                    },
                    parent,
                );
            }
        }
        for (const port of new Set(
            Object.values(args.targetGroups).flatMap((g) => [g.port, ...(g.healthCheckPort === undefined ? [] : [g.healthCheckPort])]),
        )) {
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-out-${port}`,
                {
                    securityGroupId: securityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    cidrIpv4: args.vpcCidr,
                    description: `targets on ${port}`,
                },
                parent,
            );
        }

        const logDays = args.accessLogDays ?? 30;
        const logs = logDays > 0 ? accessLogBucket(`${name}-logs`, { retentionDays: logDays, forceDestroy: !deletionProtection, tags }, parent) : undefined;

        const lb = new aws.lb.LoadBalancer(
            name,
            {
                loadBalancerType: args.type,
                internal: args.internal ?? false,
                subnets: args.subnetIds,
                securityGroups: [securityGroup.id],
                enableDeletionProtection: deletionProtection,
                dropInvalidHeaderFields: alb ? true : undefined,
                idleTimeout: alb ? (args.idleTimeoutSeconds ?? 60) : undefined,
                enableCrossZoneLoadBalancing: alb ? undefined : true,
                accessLogs: logs ? { bucket: logs.id, enabled: true, prefix: "" } : undefined,
                tags,
            },
            // The bucket policy must exist before the load balancer checks that it may write there.
            { parent: this, dependsOn: logs ? [logs] : [] },
        );

        const targetGroups = Object.fromEntries(
            Object.entries(args.targetGroups).map(([key, group]) => [
                key,
                new aws.lb.TargetGroup(
                    `${name}-${key}`,
                    {
                        vpcId: args.vpcId,
                        port: group.port,
                        protocol: alb ? "HTTP" : "TCP",
                        targetType: group.targetType ?? "instance",
                        deregistrationDelay: group.deregistrationDelaySeconds ?? 30,
                        proxyProtocolV2: alb ? undefined : (group.proxyProtocol ?? false),
                        healthCheck: {
                            enabled: true,
                            protocol: "HTTP",
                            path: group.healthCheckPath ?? "/healthz",
                            port: group.healthCheckPort === undefined ? "traffic-port" : String(group.healthCheckPort),
                            matcher: "200",
                            interval: 10,
                            timeout: 5,
                            healthyThreshold: 2,
                            unhealthyThreshold: 3,
                        },
                        tags: { ...tags, ...group.tags },
                    },
                    parent,
                ),
            ]),
        );
        const forward = [{ type: "forward", targetGroupArn: targetGroups[defaultTargetGroup!].arn }];

        let serving: aws.lb.Listener;
        if (tls) {
            serving = new aws.lb.Listener(
                `${name}-${alb ? "https" : "tls"}`,
                {
                    loadBalancerArn: lb.arn,
                    port: 443,
                    protocol: alb ? "HTTPS" : "TLS",
                    certificateArn: args.certificateArn,
                    sslPolicy: tlsPolicy,
                    defaultActions: forward,
                    tags,
                },
                parent,
            );
            if (alb) {
                new aws.lb.Listener(
                    `${name}-http`,
                    {
                        loadBalancerArn: lb.arn,
                        port: 80,
                        protocol: "HTTP",
                        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                        tags,
                    },
                    parent,
                );
            }
        } else {
            serving = new aws.lb.Listener(
                `${name}-${alb ? "http" : "tcp"}`,
                { loadBalancerArn: lb.arn, port: 80, protocol: alb ? "HTTP" : "TCP", defaultActions: forward, tags },
                parent,
            );
        }
        for (const [key, route] of Object.entries(args.routes ?? {})) {
            new aws.lb.ListenerRule(
                `${name}-route-${key}`,
                {
                    listenerArn: serving.arn,
                    priority: route.priority,
                    conditions: [{ pathPattern: { values: route.pathPatterns } }],
                    actions: [{ type: "forward", targetGroupArn: targetGroups[route.targetGroup].arn }],
                    tags,
                },
                parent,
            );
        }

        this.alarms = new ComponentAlarms(name, args.alarms, this, tags);
        balancerAlarms(name, this.alarms, alb, lb, targetGroups);
        this.saturation = {
            namespace: alb ? "AWS/ApplicationELB" : "AWS/NetworkELB",
            metricName: alb ? "ActiveConnectionCount" : "ActiveFlowCount",
            dimensions: { LoadBalancer: lb.arnSuffix },
            stat: alb ? "Sum" : "Average",
            region: aws.getRegionOutput({}, parent).region,
        };

        this.arn = lb.arn;
        this.dnsName = lb.dnsName;
        this.zoneId = lb.zoneId;
        this.securityGroupId = securityGroup.id;
        this.targetGroupArns = Object.fromEntries(Object.entries(targetGroups).map(([key, group]) => [key, group.arn]));
        this.url = pulumi.interpolate`${tls ? "https" : "http"}://${lb.dnsName}`;
        this.registerOutputs({
            arn: this.arn,
            dnsName: this.dnsName,
            zoneId: this.zoneId,
            securityGroupId: this.securityGroupId,
            targetGroupArns: this.targetGroupArns,
        });
    }
}

/** The entry's signals: 5xx rate and p99 latency where the balancer speaks HTTP, and each target group's unhealthy targets. */
function balancerAlarms(name: string, alarms: ComponentAlarms, alb: boolean, lb: aws.lb.LoadBalancer, targetGroups: Record<string, aws.lb.TargetGroup>) {
    const namespace = alb ? "AWS/ApplicationELB" : "AWS/NetworkELB";
    const balancer = { LoadBalancer: lb.arnSuffix };
    if (alb) {
        alarms.math(`${name}-5xx`, {
            kind: "balancer5xxPercent",
            description: `${name}: 5xx answers above the threshold's percentage of requests. Look at: the access logs (elb_status_code against target_status_code: the balancer's own 502/503/504 mean no healthy or no answering target), the targets' health and the application's logs`,
            expression: "IF(requests > 0, 100 * (FILL(elb, 0) + FILL(targets, 0)) / requests, 0)",
            metrics: {
                requests: { namespace, metricName: "RequestCount", dimensions: balancer, stat: "Sum" },
                elb: { namespace, metricName: "HTTPCode_ELB_5XX_Count", dimensions: balancer, stat: "Sum" },
                targets: { namespace, metricName: "HTTPCode_Target_5XX_Count", dimensions: balancer, stat: "Sum" },
            },
            comparison: "GreaterThanThreshold",
        });
        alarms.metric(`${name}-p99`, {
            kind: "balancerP99Seconds",
            description: `${name}: the targets' 99th percentile response time above the threshold in seconds. Look at: the slowest routes in the application's request logs (field ms), the databases' CPU and connections, the cache's CPU`,
            namespace,
            metricName: "TargetResponseTime",
            dimensions: balancer,
            stat: "p99",
            comparison: "GreaterThanThreshold",
        });
    }
    for (const [key, group] of Object.entries(targetGroups)) {
        alarms.metric(`${name}-${key}-unhealthy`, {
            kind: "balancerUnhealthyTargets",
            description: `${name}: targets of ${key} fail their health check. Look at: the target group's health descriptions (aws elbv2 describe-target-health), the fleet's or pods' logs, the security groups between balancer and targets`,
            namespace,
            metricName: "UnHealthyHostCount",
            dimensions: { TargetGroup: group.arnSuffix, ...balancer },
            stat: "Maximum",
            comparison: "GreaterThanThreshold",
        });
    }
}

function validate(name: string, args: LoadBalancerArgs, defaultTargetGroup: string | undefined): void {
    const keys = Object.keys(args.targetGroups);
    const problems = new Problems()
        .check(args.type !== "application" && args.type !== "network", `type must be application or network (got ${JSON.stringify(args.type)})`)
        // AWS caps load balancer names at 32 characters; autonaming appends 8.
        .check(!/^[a-zA-Z0-9][a-zA-Z0-9-]{0,23}$/.test(name), `the name must be 1-24 letters, digits or hyphens (got ${JSON.stringify(name)})`)
        .check(args.subnetIds.length < 2, `subnetIds must list subnets in at least two zones (got ${args.subnetIds.length})`)
        .check(!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(args.vpcCidr), `vpcCidr must be an IPv4 CIDR block (got ${JSON.stringify(args.vpcCidr)})`)
        .check(keys.length === 0, "targetGroups must hold at least one target group")
        .check(defaultTargetGroup === undefined && keys.length > 1, `defaultTargetGroup must name one of ${keys.join(", ")} when there are several`)
        .check(
            defaultTargetGroup !== undefined && !keys.includes(defaultTargetGroup),
            `defaultTargetGroup ${JSON.stringify(defaultTargetGroup)} is not one of the targetGroups (${keys.join(", ")})`,
        )
        .check(
            args.accessLogDays !== undefined && !isIntIn(args.accessLogDays, 0, 3650),
            `accessLogDays must be an integer from 0 to 3650 (got ${args.accessLogDays})`,
        );
    for (const [key, group] of Object.entries(args.targetGroups)) {
        problems
            .check(!isIntIn(group.port, 1, 65535), `targetGroups.${key}.port must be an integer from 1 to 65535 (got ${group.port})`)
            .check(group.proxyProtocol === true && args.type === "application", `targetGroups.${key}.proxyProtocol is for network load balancers only`)
            .check(
                group.healthCheckPath !== undefined && !group.healthCheckPath.startsWith("/"),
                `targetGroups.${key}.healthCheckPath must start with / (got ${JSON.stringify(group.healthCheckPath)})`,
            )
            .check(
                group.healthCheckPort !== undefined && !isIntIn(group.healthCheckPort, 1, 65535),
                `targetGroups.${key}.healthCheckPort must be an integer from 1 to 65535 (got ${group.healthCheckPort})`,
            )
            .check(
                group.deregistrationDelaySeconds !== undefined && !isIntIn(group.deregistrationDelaySeconds, 0, 3600),
                `targetGroups.${key}.deregistrationDelaySeconds must be 0-3600`,
            )
            .check(!/^[a-z0-9-]{1,12}$/.test(key), `targetGroups key ${JSON.stringify(key)} must be 1-12 lower-case letters, digits or hyphens`)
            // Target group names share the 32-character cap.
            .check(
                `${name}-${key}`.length > 24,
                `targetGroups.${key}: "${name}-${key}" is longer than 24 characters, the most a target group name leaves room for`,
            );
    }
    const routes = Object.entries(args.routes ?? {});
    const priorities = routes.map(([, r]) => r.priority);
    problems
        .check(routes.length > 0 && args.type !== "application", "routes are for application load balancers only")
        .check(new Set(priorities).size !== priorities.length, `routes must have distinct priorities (got ${priorities.join(", ")})`);
    for (const [key, route] of routes) {
        problems
            .check(
                !keys.includes(route.targetGroup),
                `routes.${key}.targetGroup ${JSON.stringify(route.targetGroup)} is not one of the targetGroups (${keys.join(", ")})`,
            )
            .check(!isIntIn(route.priority, 1, 50000), `routes.${key}.priority must be an integer from 1 to 50000 (got ${route.priority})`)
            // An ALB rule takes five condition values at most.
            .check(
                route.pathPatterns.length === 0 || route.pathPatterns.length > 5,
                `routes.${key}.pathPatterns must hold 1 to 5 patterns (got ${route.pathPatterns.length})`,
            )
            .check(
                route.pathPatterns.some((p) => !p.startsWith("/")),
                `routes.${key}.pathPatterns must start with / (got ${route.pathPatterns.filter((p) => !p.startsWith("/")).join(", ")})`,
            );
    }
    problems.throwIfAny("LoadBalancer", name);
}
