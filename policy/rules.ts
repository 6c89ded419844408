/**
 * The seed's design principles as rules over resources, written once and run two ways: by
 * the @pulumi/policy pack (policy/index.ts) during `pulumi preview` and `pulumi up`, and by
 * the offline plan (`npm run plan -- --policy`). Each rule looks at one resource as the
 * engine sees it: its type, name, inputs and protection; `stack` rules see them all.
 * Mandatory in prod, advisory in dev; data-protection rules concern prod alone.
 */

import { statefulTypes } from "./stateful-types";

/** One resource as a rule sees it. */
export interface ResourceView {
    type: string;
    name: string;
    inputs: Record<string, any>;
    protect: boolean;
    retainOnDelete?: boolean;
}

export interface Rule {
    name: string;
    description: string;
    /** Only prod stacks are held to it (dev stays cheap and disposable). */
    prodOnly?: boolean;
    /** Problems with one resource; none when it complies or the rule does not concern it. */
    check?(resource: ResourceView): string[];
    /** Problems with the stack as a whole. */
    checkStack?(resources: ResourceView[]): string[];
}

const world = (r: { cidrIpv4?: string; cidrIpv6?: string; cidrBlocks?: string[]; ipv6CidrBlocks?: string[] }) =>
    r.cidrIpv4 === "0.0.0.0/0" || r.cidrIpv6 === "::/0" || (r.cidrBlocks ?? []).includes("0.0.0.0/0") || (r.ipv6CidrBlocks ?? []).includes("::/0");
/** A secondary of a global database or datastore takes encryption and retention from its primary. */
const isSecondary = (r: ResourceView) => r.inputs.globalClusterIdentifier !== undefined || r.inputs.globalReplicationGroupId !== undefined;
const listenerPorts = [80, 443];

export const rules: Rule[] = [
    {
        name: "encryption-at-rest",
        description: "Databases, caches, search domains and volumes are encrypted at rest.",
        check: (r) => {
            const i = r.inputs;
            switch (r.type) {
                case "aws:rds/cluster:Cluster":
                    return i.storageEncrypted === true ? [] : ["storageEncrypted must be true"];
                case "aws:ebs/volume:Volume":
                    return i.encrypted === true ? [] : ["encrypted must be true"];
                case "aws:elasticache/replicationGroup:ReplicationGroup":
                    return isSecondary(r) || i.atRestEncryptionEnabled === true ? [] : ["atRestEncryptionEnabled must be true"];
                case "aws:opensearch/domain:Domain":
                    return i.encryptAtRest?.enabled === true ? [] : ["encryptAtRest.enabled must be true"];
                case "aws:ec2/launchTemplate:LaunchTemplate":
                    return (i.blockDeviceMappings ?? [])
                        .filter((m: any) => m.ebs && String(m.ebs.encrypted) !== "true")
                        .map((m: any) => `the volume ${m.deviceName} must be encrypted`);
                default:
                    return [];
            }
        },
    },
    {
        name: "encryption-in-transit",
        description: "Databases force TLS; caches and search domains speak TLS only, between nodes too.",
        check: (r) => {
            const i = r.inputs;
            switch (r.type) {
                case "aws:rds/clusterParameterGroup:ClusterParameterGroup":
                    return String(i.family ?? "").startsWith("aurora-postgresql") &&
                        !(i.parameters ?? []).some((p: any) => p.name === "rds.force_ssl" && String(p.value) === "1")
                        ? ["rds.force_ssl must be 1"]
                        : [];
                case "aws:elasticache/replicationGroup:ReplicationGroup":
                    return isSecondary(r) || i.transitEncryptionEnabled === true ? [] : ["transitEncryptionEnabled must be true"];
                case "aws:opensearch/domain:Domain":
                    return [
                        ...(i.nodeToNodeEncryption?.enabled === true ? [] : ["nodeToNodeEncryption.enabled must be true"]),
                        ...(i.domainEndpointOptions?.enforceHttps === true ? [] : ["domainEndpointOptions.enforceHttps must be true"]),
                    ];
                default:
                    return [];
            }
        },
    },
    {
        name: "no-world-ingress-but-listeners",
        description: "No security group admits the internet, except on the public entry's listener ports (80 and 443).",
        check: (r) => {
            if (r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
                const i = r.inputs;
                return world(i) && !(listenerPorts.includes(i.fromPort) && i.fromPort === i.toPort)
                    ? [`admits the internet on ${i.fromPort}-${i.toPort}; only 80 and 443 may be`]
                    : [];
            }
            if (r.type === "aws:ec2/securityGroup:SecurityGroup") {
                return (r.inputs.ingress ?? [])
                    .filter((rule: any) => world(rule) && !(listenerPorts.includes(rule.fromPort) && rule.fromPort === rule.toPort))
                    .map((rule: any) => `admits the internet on ${rule.fromPort}-${rule.toPort}`);
            }
            return [];
        },
    },
    {
        name: "imdsv2",
        description: "Every instance and launch template requires IMDSv2 (session tokens).",
        check: (r) =>
            (r.type === "aws:ec2/launchTemplate:LaunchTemplate" || r.type === "aws:ec2/instance:Instance") &&
            r.inputs.metadataOptions?.httpTokens !== "required"
                ? ["metadataOptions.httpTokens must be required"]
                : [],
    },
    {
        name: "secrets-by-reference",
        description:
            "A Lambda function's configuration never holds a secret's value: its environment names secrets by reference (SHOP_SECRET_REFS), and a function that reaches the databases runs in the VPC.",
        check: (r) => {
            if (r.type !== "aws:lambda/function:Function") return [];
            const names = Object.keys(r.inputs.environment?.variables ?? {});
            const values = names.filter((n) => /PASSWORD|SECRET|TOKEN/.test(n) && n !== "SHOP_SECRET_REFS");
            return [
                ...values.map((n) => `environment.variables.${n} holds a secret's value; name the secret in SHOP_SECRET_REFS instead`),
                ...(r.inputs.vpcConfig?.subnetIds?.length ? [] : ["vpcConfig: the function must run in the VPC's private subnets"]),
            ];
        },
    },
    {
        name: "no-public-data-endpoint",
        description: "No database instance is publicly accessible; search domains live in a VPC.",
        check: (r) => {
            if (r.type === "aws:rds/clusterInstance:ClusterInstance") return r.inputs.publiclyAccessible === false ? [] : ["publiclyAccessible must be false"];
            if (r.type === "aws:opensearch/domain:Domain") return r.inputs.vpcOptions ? [] : ["the domain must be in a VPC (vpcOptions)"];
            return [];
        },
    },
    {
        name: "eks-api-not-public",
        description: "An EKS API endpoint is private, or public only to listed ranges, never to the whole internet.",
        check: (r) => {
            if (r.type !== "aws:eks/cluster:Cluster") return [];
            const vpc = r.inputs.vpcConfig ?? {};
            if (vpc.endpointPublicAccess === false) return [];
            const cidrs: string[] = vpc.publicAccessCidrs ?? [];
            return cidrs.length === 0 || cidrs.includes("0.0.0.0/0")
                ? ["a public endpoint must be limited to listed ranges (publicAccessCidrs), never 0.0.0.0/0"]
                : [];
        },
    },
    {
        name: "required-tags",
        description: "Every AWS resource carries the project, environment and managed-by tags (the providers' default tags).",
        check: (r) => {
            if (r.type !== "pulumi:providers:aws") return [];
            const raw = r.inputs.defaultTags;
            const tags = (typeof raw === "string" ? JSON.parse(raw) : raw)?.tags ?? {};
            return ["project", "environment", "managed-by"].filter((t) => !tags[t]).map((t) => `defaultTags must include ${t}`);
        },
    },
    {
        name: "prod-data-protected",
        description: "Production data survives mistakes: protected from deletion, final snapshots, at least 7 days of backups.",
        prodOnly: true,
        check: (r) => {
            const i = r.inputs;
            const problems: string[] = [];
            if (statefulTypes.includes(r.type) && !r.protect) problems.push("must be protected (protect)");
            if (r.type === "aws:rds/cluster:Cluster") {
                if (i.deletionProtection !== true) problems.push("deletionProtection must be true");
                if (i.skipFinalSnapshot !== false) problems.push("skipFinalSnapshot must be false");
                if (!(i.backupRetentionPeriod >= 7)) problems.push(`backupRetentionPeriod must be at least 7 (got ${i.backupRetentionPeriod})`);
            }
            if (r.type === "aws:rds/globalCluster:GlobalCluster" && i.deletionProtection !== true) problems.push("deletionProtection must be true");
            if (r.type === "aws:elasticache/replicationGroup:ReplicationGroup") {
                if (!(i.snapshotRetentionLimit >= 7)) problems.push(`snapshotRetentionLimit must be at least 7 (got ${i.snapshotRetentionLimit})`);
                if (!i.finalSnapshotIdentifier) problems.push("finalSnapshotIdentifier must be set");
            }
            return problems;
        },
    },
    {
        name: "prod-multi-az",
        description: "Production data outlives a zone: caches fail over across zones, search spans zones, each primary database has a reader to promote.",
        prodOnly: true,
        check: (r) => {
            if (r.type === "aws:elasticache/replicationGroup:ReplicationGroup") return r.inputs.multiAzEnabled === true ? [] : ["multiAzEnabled must be true"];
            if (r.type === "aws:opensearch/domain:Domain")
                return r.inputs.clusterConfig?.zoneAwarenessEnabled === true ? [] : ["clusterConfig.zoneAwarenessEnabled must be true"];
            return [];
        },
        checkStack: (resources) => {
            const instances = resources.filter((r) => r.type === "aws:rds/clusterInstance:ClusterInstance").map((r) => r.name);
            return resources
                .filter((r) => r.type === "aws:rds/cluster:Cluster" && !isSecondary(r))
                .filter((cluster) => !instances.some((name) => name.startsWith(`${cluster.name}-reader-`)))
                .map((cluster) => `aws:rds/cluster:Cluster ${cluster.name}: needs a reader in another zone to fail over to`);
        },
    },
    {
        name: "prod-backed-up",
        description:
            "Production data has backups outside the resource itself: an AWS Backup selection holds every primary database cluster and data volume, and every vault is locked.",
        prodOnly: true,
        checkStack: (resources) => {
            const held = resources
                .filter((r) => r.type === "aws:backup/selection:Selection")
                .reduce((n, selection) => n + ((selection.inputs.resources as unknown[] | undefined)?.length ?? 0), 0);
            const data = resources.filter((r) => (r.type === "aws:rds/cluster:Cluster" && !isSecondary(r)) || r.type === "aws:ebs/volume:Volume");
            const locks = new Set(resources.filter((r) => r.type === "aws:backup/vaultLockConfiguration:VaultLockConfiguration").map((r) => r.name));
            return [
                ...(held < data.length
                    ? [
                          `backup selections hold ${held} resource(s), fewer than the ${data.length} primary cluster(s) and volume(s): ${data.map((r) => r.name).join(", ")}`,
                      ]
                    : []),
                ...resources
                    .filter((r) => r.type === "aws:backup/vault:Vault" && !locks.has(r.name))
                    .map((vault) => `aws:backup/vault:Vault ${vault.name}: needs a vault lock (governance mode at least)`),
            ];
        },
    },
    {
        name: "alarms-notify",
        description:
            "Every alarm tells someone: a metric alarm notifies a topic, unless it is a window of a burn-rate alert whose composite alarm does; every composite alarm notifies a topic.",
        check: (r) => {
            const actions = (r.inputs.alarmActions ?? []) as unknown[];
            if (r.type === "aws:cloudwatch/compositeAlarm:CompositeAlarm") return actions.length > 0 ? [] : ["alarmActions must name a topic"];
            if (r.type !== "aws:cloudwatch/metricAlarm:MetricAlarm") return [];
            const window = /^slo-.+-(long|short)$/.test(String(r.inputs.tags?.alarm ?? ""));
            return actions.length > 0 || window ? [] : ["alarmActions must name a topic"];
        },
    },
    {
        name: "alarm-topics-encrypted",
        description: "SNS topics are encrypted at rest with a customer-managed KMS key (CloudWatch cannot use the AWS-managed one).",
        check: (r) => {
            if (r.type !== "aws:sns/topic:Topic") return [];
            const key = r.inputs.kmsMasterKeyId;
            if (key === undefined) return ["kmsMasterKeyId must be set"];
            return String(key).includes("alias/aws/sns") ? ["kmsMasterKeyId must be a customer-managed key: CloudWatch cannot publish with alias/aws/sns"] : [];
        },
    },
];

export interface Violation {
    rule: string;
    resource?: string;
    message: string;
    level: "mandatory" | "advisory";
}

/** Every violation of the rules in a stack of `environment`: mandatory in prod, advisory in dev. */
export function evaluate(resources: ResourceView[], environment: "dev" | "prod"): Violation[] {
    const level = environment === "prod" ? "mandatory" : "advisory";
    return rules
        .filter((rule) => !rule.prodOnly || environment === "prod")
        .flatMap((rule) => [
            ...resources.flatMap((r) =>
                (rule.check?.(r) ?? []).map((message) => ({ rule: rule.name, resource: `${r.type} ${r.name}`, message, level }) as Violation),
            ),
            ...(rule.checkStack?.(resources) ?? []).map((message) => ({ rule: rule.name, message, level }) as Violation),
        ]);
}
