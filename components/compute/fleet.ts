import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumableBy } from "../iam";
import { ComponentAlarms } from "../observability/alarms";
import { instanceType, intRange, Problems } from "../validation";
import { amazonLinux2023 } from "./ami";

export interface FleetArgs {
    vpcId: pulumi.Input<string>;
    /** The VPC's range, for egress to services inside it. */
    vpcCidr: string;
    /** Private subnets the instances spread over. */
    subnetIds: pulumi.Input<string>[];
    /** The port the fleet serves on. */
    port: number;
    /** Security groups the instances also wear (the "app" group the data tier admits). @default [] */
    extraSecurityGroupIds?: pulumi.Input<string>[];
    /** A second port for the load balancer's health checks only. @default none */
    healthPort?: number;
    /** Security groups admitted on `port` and `healthPort` (the load balancer's, or the proxies'), keyed. */
    allowedSecurityGroups: Record<string, pulumi.Input<string>>;
    /** Ports the instances may reach inside the VPC (backends, databases, caches). */
    egressInVpc: number[];
    /** Peered VPCs' ranges, keyed, where the same ports are reached too (another region's writer). @default {} */
    egressPeers?: Record<string, string>;
    /** First-boot script. A change rolls the fleet through an instance refresh. */
    userData: pulumi.Input<string>;
    /** Target groups the instances register with; the group takes the load balancer's health verdict. */
    targetGroupArns: pulumi.Input<string>[];
    instanceType: string;
    minSize: number;
    maxSize: number;
    /** Average CPU the fleet's scaling keeps to, in percent. */
    targetCpuPercent: number;
    /** IAM managed policies of the instance role beyond SSM Session Manager, keyed. */
    managedPolicies: Record<string, string>;
    /** An inline policy of the instance role. */
    inlinePolicy?: pulumi.Input<string>;
    /** Root volume size, GiB. */
    rootVolumeGiB: number;
    /** Hop limit of instance metadata: 1 keeps containers away from the instance's credentials, 2 lets a container runtime through. */
    metadataHopLimit: 1 | 2;
    tags: Record<string, string>;
    /** The owning component's alarms: the group's healthy capacity joins them. */
    alarms: ComponentAlarms;
}

/** Checks fleet sizes, for the components that build on the fleet. */
export function fleetProblems(
    problems: Problems,
    args: Pick<FleetArgs, "minSize" | "maxSize" | "targetCpuPercent" | "instanceType" | "subnetIds" | "allowedSecurityGroups">,
): Problems {
    return problems
        .expect("minSize", intRange(0, 1000), args.minSize)
        .expect("maxSize", intRange(1, 1000), args.maxSize)
        .check(args.maxSize < args.minSize, `maxSize (${args.maxSize}) must not be below minSize (${args.minSize})`)
        .check(!(args.targetCpuPercent > 0 && args.targetCpuPercent <= 100), `targetCpuPercent must be above 0 and at most 100 (got ${args.targetCpuPercent})`)
        .expect("instanceType", instanceType("t3.small"), args.instanceType)
        .check(args.subnetIds.length < 2, `subnetIds must list subnets in at least two zones (got ${args.subnetIds.length})`)
        .check(Object.keys(args.allowedSecurityGroups).length === 0, "allowedSecurityGroups must name at least one security group");
}

/**
 * An Auto Scaling group of Amazon Linux 2023 instances behind target groups, the part the
 * Nginx and application fleets share: a launch template with IMDSv2 required and an
 * encrypted root volume, an instance role with SSM Session Manager (no SSH), a security
 * group admitting only the named groups on the service port, ELB health checks,
 * target-tracking scaling on CPU, and a rolling instance refresh whenever the launch
 * template changes (new user data, a new AMI).
 */
export function fleet(
    name: string,
    args: FleetArgs,
    parent: pulumi.Resource,
): { group: aws.autoscaling.Group; securityGroup: aws.ec2.SecurityGroup; role: aws.iam.Role } {
    const opts = { parent };
    const tags = args.tags;

    const securityGroup = new aws.ec2.SecurityGroup(
        name,
        { vpcId: args.vpcId, description: `${name}: ${args.port} from the named groups`, tags: { ...tags, Name: name } },
        opts,
    );
    for (const [key, source] of Object.entries(args.allowedSecurityGroups)) {
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-from-${key}`,
            {
                securityGroupId: securityGroup.id,
                referencedSecurityGroupId: source,
                ipProtocol: "tcp",
                fromPort: args.port,
                toPort: args.port,
                description: `from ${key}`,
            },
            opts,
        );
        if (args.healthPort !== undefined) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-health-from-${key}`,
                {
                    securityGroupId: securityGroup.id,
                    referencedSecurityGroupId: source,
                    ipProtocol: "tcp",
                    fromPort: args.healthPort,
                    toPort: args.healthPort,
                    description: `health checks from ${key}`,
                },
                opts,
            );
        }
    }
    // HTTPS out for packages, images, SSM, Secrets Manager and logs (through NAT); other ports only inside the VPC.
    new aws.vpc.SecurityGroupEgressRule(
        `${name}-out-https`,
        { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS" },
        opts,
    );
    for (const port of new Set(args.egressInVpc)) {
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-out-${port}`,
            { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: args.vpcCidr, description: `VPC ${port}` },
            opts,
        );
        for (const [peer, cidr] of Object.entries(args.egressPeers ?? {})) {
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-out-${port}-${peer}`,
                { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: cidr, description: `${peer} ${port}` },
                opts,
            );
        }
    }

    const role = new aws.iam.Role(name, { assumeRolePolicy: assumableBy("ec2.amazonaws.com"), tags }, opts);
    for (const [key, policyArn] of Object.entries({ ssm: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", ...args.managedPolicies })) {
        new aws.iam.RolePolicyAttachment(`${name}-${key}`, { role: role.name, policyArn }, opts);
    }
    if (args.inlinePolicy) new aws.iam.RolePolicy(name, { role: role.id, policy: args.inlinePolicy }, opts);
    const profile = new aws.iam.InstanceProfile(name, { role: role.name, tags }, opts);

    const template = new aws.ec2.LaunchTemplate(
        name,
        {
            imageId: amazonLinux2023(opts),
            instanceType: args.instanceType,
            iamInstanceProfile: { arn: profile.arn },
            vpcSecurityGroupIds: [securityGroup.id, ...(args.extraSecurityGroupIds ?? [])],
            metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: args.metadataHopLimit },
            blockDeviceMappings: [
                { deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeType: "gp3", volumeSize: args.rootVolumeGiB, deleteOnTermination: "true" } },
            ],
            userData: pulumi.output(args.userData).apply((script) => Buffer.from(script).toString("base64")),
            monitoring: { enabled: true },
            updateDefaultVersion: true,
            // Each specification needs a tag of its own: EC2 refuses an empty one, and the provider's default tags do not reach these.
            tagSpecifications: [
                { resourceType: "instance", tags: { ...tags, Name: name } },
                { resourceType: "volume", tags: { ...tags, Name: name } },
            ],
            tags,
        },
        opts,
    );

    const group = new aws.autoscaling.Group(
        name,
        {
            vpcZoneIdentifiers: args.subnetIds,
            minSize: args.minSize,
            maxSize: args.maxSize,
            launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
            targetGroupArns: args.targetGroupArns,
            healthCheckType: "ELB",
            healthCheckGracePeriod: 120,
            defaultInstanceWarmup: 120,
            capacityRebalance: true,
            // A new launch template version replaces instances a few at a time, never dropping below 90% healthy.
            instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 90, instanceWarmup: "120", skipMatching: true } },
            enabledMetrics: ["GroupInServiceInstances", "GroupDesiredCapacity", "GroupPendingInstances", "GroupTerminatingInstances"],
            tags: Object.entries({ ...tags, Name: name }).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
        },
        // Scaling owns the desired capacity; a deploy must not reset it.
        { parent, ignoreChanges: ["desiredCapacity"] },
    );
    new aws.autoscaling.Policy(
        `${name}-cpu`,
        {
            autoscalingGroupName: group.name,
            policyType: "TargetTrackingScaling",
            targetTrackingConfiguration: {
                predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
                targetValue: args.targetCpuPercent,
            },
        },
        opts,
    );
    const rule = args.alarms.rule("fleetInServicePercent");
    args.alarms.metric(`${name}-in-service`, {
        kind: "fleetInServicePercent",
        description: `${name}: fewer instances in service than the group's minimum of ${args.minSize}. Look at: the group's activity history (launch failures, capacity in the zones), instances failing the load balancer's health check, the instance refresh in progress`,
        namespace: "AWS/AutoScaling",
        metricName: "GroupInServiceInstances",
        dimensions: { AutoScalingGroupName: group.name },
        stat: "Minimum",
        comparison: "LessThanThreshold",
        threshold: (args.minSize * rule.threshold) / 100,
    });
    return { group, securityGroup, role };
}
