import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumableBy, policyDocument } from "../iam";
import { isIntIn, Problems } from "../validation";
import { cidrSubnet, parseCidr } from "./cidr";

export type NatGatewayMode = "none" | "single" | "per-az";

export interface VpcArgs {
    /**
     * The VPC's IPv4 range, /16 to /20. Subnets are carved from it deterministically:
     * private (app) subnets take the first half, public and isolated smaller blocks after it.
     * @default "10.0.0.0/16"
     */
    cidrBlock?: string;
    /**
     * How many availability zones to span (2-4): the first `azCount` zones the region offers without opt-in.
     * @default 2
     */
    azCount?: number;
    /**
     * NAT gateways for the private subnets' outbound traffic: `none` (the private subnets reach
     * only the VPC and S3), `single` (one shared gateway: cheap, but one zone's outage cuts the
     * others off) or `per-az` (one per zone: what production wants).
     * @default "single"
     */
    natGateways?: NatGatewayMode;
    /**
     * Retention of the VPC flow log group, in days.
     * @default 14
     */
    flowLogRetentionDays?: pulumi.Input<number>;
    /** Tags for every child, on top of the provider's default tags. @default {} */
    tags?: Record<string, string>;
}

/**
 * A VPC in three tiers over `azCount` zones: public subnets (load balancers, NAT gateways),
 * private subnets (application servers, outbound through NAT) and isolated subnets (data:
 * no route to or from the internet). Flow logs go to CloudWatch Logs, the default security
 * group is stripped of every rule, and S3 is reached through a gateway endpoint.
 */
export class Vpc extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly cidrBlock: string;
    readonly availabilityZones: pulumi.Output<string>[];
    readonly publicSubnetIds: pulumi.Output<string>[];
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly isolatedSubnetIds: pulumi.Output<string>[];
    readonly privateRouteTableIds: pulumi.Output<string>[];
    readonly isolatedRouteTableId: pulumi.Output<string>;
    readonly natGatewayIds: pulumi.Output<string>[];
    readonly s3EndpointId: pulumi.Output<string>;
    readonly flowLogGroupName: pulumi.Output<string>;

    constructor(name: string, args: VpcArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const cidrBlock = args.cidrBlock ?? "10.0.0.0/16";
        const azCount = args.azCount ?? 2;
        const natMode = args.natGateways ?? "single";
        validate(name, cidrBlock, azCount, natMode);
        super("shop:network:Vpc", name, {}, opts);

        const tags = args.tags ?? {};
        const named = (suffix: string) => ({ ...tags, Name: `${name}-${suffix}` });
        const parent = { parent: this };

        const vpc = new aws.ec2.Vpc(name, { cidrBlock, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: name } }, parent);

        // A default security group with no rules: anything that forgets to name its own group gets no traffic.
        new aws.ec2.DefaultSecurityGroup(`${name}-default`, { vpcId: vpc.id, tags: named("default-locked") }, parent);

        const zoneNames = aws
            .getAvailabilityZonesOutput({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, parent)
            .names.apply((names) => {
                if (names.length < azCount) {
                    throw new pulumi.RunError(`Vpc "${name}": azCount is ${azCount} but the region offers ${names.length} zones`);
                }
                return names.slice(0, azCount);
            });
        const zones = Array.from({ length: azCount }, (_, i) => zoneNames.apply((names) => names[i]));

        const subnet = (tier: string, cidr: string, i: number) =>
            new aws.ec2.Subnet(
                `${name}-${tier}-${i + 1}`,
                { vpcId: vpc.id, cidrBlock: cidr, availabilityZone: zones[i], mapPublicIpOnLaunch: false, tags: named(`${tier}-${i + 1}`) },
                parent,
            );
        const layout = subnetLayout(cidrBlock, azCount);
        const publicSubnets = layout.public.map((cidr, i) => subnet("public", cidr, i));
        const privateSubnets = layout.private.map((cidr, i) => subnet("private", cidr, i));
        const isolatedSubnets = layout.isolated.map((cidr, i) => subnet("isolated", cidr, i));

        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: named("igw") }, parent);
        const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, tags: named("public") }, parent);
        new aws.ec2.Route(`${name}-public-internet`, { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, parent);
        publicSubnets.forEach(
            (s, i) => new aws.ec2.RouteTableAssociation(`${name}-public-${i + 1}`, { subnetId: s.id, routeTableId: publicRoutes.id }, parent),
        );

        const natCount = { none: 0, single: 1, "per-az": azCount }[natMode];
        const natGateways = Array.from({ length: natCount }, (_, i) => {
            const eip = new aws.ec2.Eip(`${name}-nat-${i + 1}`, { domain: "vpc", tags: named(`nat-${i + 1}`) }, parent);
            return new aws.ec2.NatGateway(
                `${name}-nat-${i + 1}`,
                { allocationId: eip.id, subnetId: publicSubnets[i].id, tags: named(`nat-${i + 1}`) },
                { parent: this, dependsOn: [igw] },
            );
        });

        // One route table per zone, so that each zone's traffic leaves through its own NAT when there is one per zone.
        const privateRoutes = privateSubnets.map((s, i) => {
            const table = new aws.ec2.RouteTable(`${name}-private-${i + 1}`, { vpcId: vpc.id, tags: named(`private-${i + 1}`) }, parent);
            new aws.ec2.RouteTableAssociation(`${name}-private-${i + 1}`, { subnetId: s.id, routeTableId: table.id }, parent);
            if (natGateways.length > 0) {
                const nat = natGateways[Math.min(i, natGateways.length - 1)];
                new aws.ec2.Route(`${name}-private-${i + 1}-nat`, { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id }, parent);
            }
            return table;
        });

        // Isolated subnets share a table with no route out of the VPC.
        const isolatedRoutes = new aws.ec2.RouteTable(`${name}-isolated`, { vpcId: vpc.id, tags: named("isolated") }, parent);
        isolatedSubnets.forEach(
            (s, i) => new aws.ec2.RouteTableAssociation(`${name}-isolated-${i + 1}`, { subnetId: s.id, routeTableId: isolatedRoutes.id }, parent),
        );

        const region = aws.getRegionOutput({}, parent).region;
        const s3Endpoint = new aws.ec2.VpcEndpoint(
            `${name}-s3`,
            {
                vpcId: vpc.id,
                serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
                vpcEndpointType: "Gateway",
                routeTableIds: [...privateRoutes.map((t) => t.id), isolatedRoutes.id],
                tags: named("s3"),
            },
            parent,
        );

        const flowLogGroup = new aws.cloudwatch.LogGroup(
            `${name}-flow-logs`,
            { retentionInDays: args.flowLogRetentionDays ?? 14, tags: named("flow-logs") },
            parent,
        );
        const flowLogRole = new aws.iam.Role(
            `${name}-flow-logs`,
            {
                assumeRolePolicy: assumableBy("vpc-flow-logs.amazonaws.com"),
                tags,
            },
            parent,
        );
        new aws.iam.RolePolicy(
            `${name}-flow-logs`,
            {
                role: flowLogRole.id,
                policy: flowLogGroup.arn.apply((arn) =>
                    policyDocument([{ Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [arn, `${arn}:*`] }]),
                ),
            },
            parent,
        );
        new aws.ec2.FlowLog(
            `${name}-flow-logs`,
            {
                vpcId: vpc.id,
                trafficType: "ALL",
                logDestinationType: "cloud-watch-logs",
                logDestination: flowLogGroup.arn,
                iamRoleArn: flowLogRole.arn,
                maxAggregationInterval: 60,
                tags: named("flow-logs"),
            },
            parent,
        );

        this.vpcId = vpc.id;
        this.cidrBlock = cidrBlock;
        this.availabilityZones = zones;
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.isolatedSubnetIds = isolatedSubnets.map((s) => s.id);
        this.privateRouteTableIds = privateRoutes.map((t) => t.id);
        this.isolatedRouteTableId = isolatedRoutes.id;
        this.natGatewayIds = natGateways.map((n) => n.id);
        this.s3EndpointId = s3Endpoint.id;
        this.flowLogGroupName = flowLogGroup.name;
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            isolatedSubnetIds: this.isolatedSubnetIds,
            natGatewayIds: this.natGatewayIds,
        });
    }
}

/**
 * Where each tier's subnets sit in the VPC range: private subnets are /+3 blocks from the
 * start (room for many instances or pods), public and isolated ones /+6 blocks after the
 * first half. Zone i always gets the same blocks, so adding a zone renumbers nothing.
 */
export function subnetLayout(cidrBlock: string, azCount: number): { public: string[]; private: string[]; isolated: string[] } {
    const zones = Array.from({ length: azCount }, (_, i) => i);
    return {
        private: zones.map((i) => cidrSubnet(cidrBlock, 3, i)),
        public: zones.map((i) => cidrSubnet(cidrBlock, 6, 32 + i)),
        isolated: zones.map((i) => cidrSubnet(cidrBlock, 6, 40 + i)),
    };
}

function validate(name: string, cidrBlock: string, azCount: number, natMode: string): void {
    let prefix = NaN;
    try {
        prefix = parseCidr(cidrBlock).prefix;
    } catch {
        // reported below
    }
    new Problems()
        .check(!isIntIn(prefix, 16, 20), `cidrBlock must be an IPv4 CIDR block from /16 to /20 (got ${JSON.stringify(cidrBlock)})`)
        .check(!isIntIn(azCount, 2, 4), `azCount must be an integer from 2 to 4 (got ${azCount})`)
        .check(!["none", "single", "per-az"].includes(natMode), `natGateways must be none, single or per-az (got ${JSON.stringify(natMode)})`)
        .throwIfAny("Vpc", name);
}
