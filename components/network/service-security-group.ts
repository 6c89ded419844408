import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ServiceSecurityGroupArgs {
    vpcId: pulumi.Input<string>;
    /** The one TCP port the service listens on. */
    port: number;
    /** Security groups admitted on that port, keyed so that adding one renames no rule. */
    allowedSecurityGroups: Record<string, pulumi.Input<string>>;
    /**
     * Address ranges admitted on that port, keyed: peered VPCs in other regions, whose security
     * groups cannot be referenced across regions. @default {}
     */
    allowedCidrs?: Record<string, string>;
    description: string;
    tags?: Record<string, string>;
}

/**
 * The security group of a data service (database, cache, search): its one port, open only to
 * the security groups and peered ranges named, and no egress, since the service never opens
 * connections itself.
 */
export function serviceSecurityGroup(name: string, args: ServiceSecurityGroupArgs, opts: pulumi.CustomResourceOptions): aws.ec2.SecurityGroup {
    const group = new aws.ec2.SecurityGroup(name, { vpcId: args.vpcId, description: args.description, tags: { ...args.tags, Name: name } }, opts);
    const rule = { securityGroupId: group.id, ipProtocol: "tcp", fromPort: args.port, toPort: args.port };
    for (const [key, source] of Object.entries(args.allowedSecurityGroups)) {
        new aws.vpc.SecurityGroupIngressRule(`${name}-from-${key}`, { ...rule, referencedSecurityGroupId: source, description: `from ${key}` }, opts);
    }
    for (const [key, cidr] of Object.entries(args.allowedCidrs ?? {})) {
        new aws.vpc.SecurityGroupIngressRule(`${name}-from-${key}`, { ...rule, cidrIpv4: cidr, description: `from ${key}` }, opts);
    }
    return group;
}

/** Problems with the admitted sources of a data service: something must reach it, nothing under two names, and never the world. */
export function admittedProblems(
    args: { allowedSecurityGroups: Record<string, unknown>; allowedCidrs?: Record<string, string> },
    what: string,
    prefix = "",
): string[] {
    const cidrs = args.allowedCidrs ?? {};
    const problems: string[] = [];
    if (Object.keys(args.allowedSecurityGroups).length + Object.keys(cidrs).length === 0) {
        problems.push(
            `${prefix}allowedSecurityGroups must name at least one security group (or allowedCidrs a peered range): nothing else can reach the ${what}`,
        );
    }
    const both = Object.keys(cidrs).filter((k) => k in args.allowedSecurityGroups);
    if (both.length > 0) problems.push(`${prefix}allowedCidrs and allowedSecurityGroups share the keys ${both.join(", ")}: each names one rule`);
    for (const [key, cidr] of Object.entries(cidrs)) {
        if (!/^(\d{1,3}\.){3}\d{1,3}\/([89]|[12]\d|3[0-2])$/.test(cidr))
            problems.push(`${prefix}allowedCidrs.${key} must be an IPv4 range of /8 or narrower (got ${JSON.stringify(cidr)})`);
    }
    return problems;
}
