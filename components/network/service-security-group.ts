import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ServiceSecurityGroupArgs {
    vpcId: pulumi.Input<string>;
    /** The one TCP port the service listens on. */
    port: number;
    /** Security groups admitted on that port, keyed so that adding one renames no rule. */
    allowedSecurityGroups: Record<string, pulumi.Input<string>>;
    description: string;
    tags?: Record<string, string>;
}

/**
 * The security group of a data service (database, cache, search): its one port, open only to
 * the security groups named, and no egress, since the service never opens connections itself.
 */
export function serviceSecurityGroup(name: string, args: ServiceSecurityGroupArgs, opts: pulumi.CustomResourceOptions): aws.ec2.SecurityGroup {
    const group = new aws.ec2.SecurityGroup(name, { vpcId: args.vpcId, description: args.description, tags: { ...args.tags, Name: name } }, opts);
    for (const [key, source] of Object.entries(args.allowedSecurityGroups)) {
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-from-${key}`,
            { securityGroupId: group.id, referencedSecurityGroupId: source, ipProtocol: "tcp", fromPort: args.port, toPort: args.port, description: `from ${key}` },
            opts,
        );
    }
    return group;
}
