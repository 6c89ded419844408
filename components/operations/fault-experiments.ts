import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumableBy, policyDocument } from "../iam";
import { Problems } from "../validation";

export interface FaultExperimentsArgs {
    /** Alarms that stop any experiment the moment they fire: what the shoppers would feel. At least one. */
    stopAlarmArns: pulumi.Input<string>[];
    /** Stages 1-3: the single server, stopped and started again after the experiment. */
    serverArn?: pulumi.Input<string>;
    /** Auto Scaling groups (fleets) that lose half their instances. */
    fleetGroupNames?: pulumi.Input<string>[];
    /** Aurora clusters that fail over to a reader. */
    clusterArns?: pulumi.Input<string>[];
    /** Multi-AZ ElastiCache replication groups whose primary zone loses power. */
    cacheGroupArns?: pulumi.Input<string>[];
    /** EKS node groups that lose half their nodes. */
    nodegroupArns?: pulumi.Input<string>[];
    /** Subnets of one zone whose traffic is cut, for a zone's outage. */
    zoneSubnetArns?: pulumi.Input<string>[];
    /** The zone whose power the cache loses, and whose subnets are cut. */
    zone?: pulumi.Input<string>;
    /** How long a disruption lasts (ISO 8601). @default PT10M */
    duration?: string;
    tags?: Record<string, string>;
}

/** FIS takes at most five ARNs a target: longer lists become several targets and actions. */
const arnsPerTarget = 5;

/**
 * AWS FIS experiment templates for the faults a stage can suffer, each stopped by the stage's
 * alarms: a stopped server (stages 1-3), half of each fleet terminated, an Aurora failover, a
 * cache's zone losing power, half of the nodes terminated (EKS), a zone's subnets cut off. The
 * same faults the shop's tests and the lab drill locally. None fits a whole region (use the
 * failover runbook) or OpenSearch (FIS has no action for it; its zone awareness is what a
 * zone's outage tests, through the subnets).
 */
export class FaultExperiments extends pulumi.ComponentResource {
    /** Each template's id, by fault. */
    readonly templateIds: Record<string, pulumi.Output<string>> = {};

    constructor(name: string, args: FaultExperimentsArgs, opts?: pulumi.ComponentResourceOptions) {
        new Problems()
            .check(args.stopAlarmArns.length === 0, "stopAlarmArns must name at least one alarm: an experiment nothing stops is an outage")
            .check(
                ((args.cacheGroupArns?.length ?? 0) > 0 || (args.zoneSubnetArns?.length ?? 0) > 0) && args.zone === undefined,
                "zone must be set for the zone faults",
            )
            .throwIfAny("FaultExperiments", name);
        super("shop:operations:FaultExperiments", name, {}, opts);
        const parent = { parent: this };
        const tags = args.tags;
        const duration = args.duration ?? "PT10M";

        const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: assumableBy("fis.amazonaws.com"), tags }, parent);
        [
            "arn:aws:iam::aws:policy/service-role/AWSFaultInjectionSimulatorEC2Access",
            "arn:aws:iam::aws:policy/service-role/AWSFaultInjectionSimulatorRDSAccess",
            "arn:aws:iam::aws:policy/service-role/AWSFaultInjectionSimulatorNetworkAccess",
            "arn:aws:iam::aws:policy/service-role/AWSFaultInjectionSimulatorEKSAccess",
        ].forEach((policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-role-${i}`, { role: role.name, policyArn }, parent));
        new aws.iam.RolePolicy(
            `${name}-cache`,
            {
                role: role.id,
                policy: policyDocument([
                    {
                        Sid: "InterruptCacheZone",
                        Action: ["elasticache:InterruptClusterAzPower", "elasticache:DescribeReplicationGroups", "tag:GetResources"],
                        Resource: "*",
                    },
                ]),
            },
            parent,
        );
        const stopConditions = args.stopAlarmArns.map((value) => ({ source: "aws:cloudwatch:alarm", value }));

        type Fault = {
            description: string;
            actionId: string;
            targetKey: string;
            resourceType: string;
            parameters?: Record<string, pulumi.Input<string>>;
            targetParameters?: Record<string, pulumi.Input<string>>;
            selectionMode?: string;
        };
        const template = (key: string, fault: Fault, arns?: pulumi.Input<string>[], resourceTags?: { key: string; value: pulumi.Input<string> }[]) => {
            const chunks = arns ? chunk(arns, arnsPerTarget) : [undefined];
            this.templateIds[key] = new aws.fis.ExperimentTemplate(
                `${name}-${key}`,
                {
                    description: fault.description,
                    roleArn: role.arn,
                    stopConditions,
                    targets: chunks.map((resourceArns, i) => ({
                        name: `${fault.targetKey}${i + 1}`,
                        resourceType: fault.resourceType,
                        selectionMode: fault.selectionMode ?? "ALL",
                        ...(resourceArns && { resourceArns }),
                        ...(resourceTags && { resourceTags }),
                        ...(fault.targetParameters && { parameters: fault.targetParameters }),
                    })),
                    actions: chunks.map((_, i) => ({
                        name: `${key}-${i + 1}`,
                        actionId: fault.actionId,
                        target: { key: fault.targetKey, value: `${fault.targetKey}${i + 1}` },
                        ...(fault.parameters && { parameters: Object.entries(fault.parameters).map(([k, value]) => ({ key: k, value })) }),
                    })),
                    tags,
                },
                parent,
            ).id;
        };

        if (args.serverArn) {
            template(
                "stop-server",
                {
                    description: "Stops the shop's server for ten minutes, then starts it: the shop is down meanwhile (stages 1-3 have one server)",
                    actionId: "aws:ec2:stop-instances",
                    targetKey: "Instances",
                    resourceType: "aws:ec2:instance",
                    parameters: { startInstancesAfterDuration: duration },
                },
                [args.serverArn],
            );
        }
        (args.fleetGroupNames ?? []).forEach((group, i) =>
            template(
                `fleet-${i + 1}`,
                {
                    description: "Terminates half of a fleet's instances: the load balancer and the Auto Scaling group must carry the shop through",
                    actionId: "aws:ec2:terminate-instances",
                    targetKey: "Instances",
                    resourceType: "aws:ec2:instance",
                    selectionMode: "PERCENT(50)",
                },
                undefined,
                [{ key: "aws:autoscaling:groupName", value: group }],
            ),
        );
        if (args.clusterArns?.length) {
            template(
                "database-failover",
                {
                    description: "Fails each Aurora cluster over to a reader: writes pause for about half a minute, reads go on",
                    actionId: "aws:rds:failover-db-cluster",
                    targetKey: "Clusters",
                    resourceType: "aws:rds:cluster",
                },
                args.clusterArns,
            );
        }
        if (args.cacheGroupArns?.length) {
            template(
                "cache-zone-power",
                {
                    description: "Cuts the power of the cache's nodes in one zone: a replica in another zone takes over",
                    actionId: "aws:elasticache:replicationgroup-interrupt-az-power",
                    targetKey: "ReplicationGroups",
                    resourceType: "aws:elasticache:replicationgroup",
                    parameters: { duration },
                    targetParameters: { availabilityZoneIdentifier: args.zone! },
                },
                args.cacheGroupArns,
            );
        }
        if (args.nodegroupArns?.length) {
            template(
                "nodes",
                {
                    description: "Terminates half of each node group's nodes: the pods move and the cluster autoscaler replaces the nodes",
                    actionId: "aws:eks:terminate-nodegroup-instances",
                    targetKey: "Nodegroups",
                    resourceType: "aws:eks:nodegroup",
                    parameters: { instanceTerminationPercentage: "50" },
                },
                args.nodegroupArns,
            );
        }
        if (args.zoneSubnetArns?.length) {
            template(
                "zone-network",
                {
                    description: "Cuts all traffic of one zone's subnets: the shop must serve from the other zones",
                    actionId: "aws:network:disrupt-connectivity",
                    targetKey: "Subnets",
                    resourceType: "aws:ec2:subnet",
                    parameters: { duration, scope: "all" },
                },
                args.zoneSubnetArns,
            );
        }
        this.registerOutputs({ templateIds: this.templateIds });
    }
}

function chunk<T>(items: T[], size: number): T[][] {
    return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
}
