import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { admittedProblems, serviceSecurityGroup } from "../network/service-security-group";
import { AlarmsArgs, ComponentAlarms } from "../observability/alarms";
import { isIntIn, Problems } from "../validation";

/**
 * Engine versions, pinned in one place. Valkey is the default engine: the open-source
 * continuation of Redis, protocol-compatible with every Redis client the shop uses, and
 * priced lower on ElastiCache.
 */
export const cacheEngines = {
    valkey: { version: "8.0", family: "valkey8" },
    redis: { version: "7.1", family: "redis7" },
} as const;

export type CacheEngine = keyof typeof cacheEngines;

export interface RedisSecondaryArgs {
    /** The provider of the secondary region. */
    provider: aws.Provider;
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string>[];
    allowedSecurityGroups: Record<string, pulumi.Input<string>>;
    /** Peered ranges admitted on 6379 in the secondary region, keyed. @default {} */
    allowedCidrs?: Record<string, string>;
}

export interface RedisCacheArgs {
    vpcId: pulumi.Input<string>;
    /** Subnets for the nodes (the isolated tier), in at least two zones when there are replicas. */
    subnetIds: pulumi.Input<string>[];
    /** Security groups admitted on 6379, keyed by a stable name (such as "app"). */
    allowedSecurityGroups: Record<string, pulumi.Input<string>>;
    /** Address ranges admitted on 6379, keyed: peered VPCs of other regions, whose groups cannot be referenced. @default {} */
    allowedCidrs?: Record<string, string>;
    /** `valkey` or `redis`. @default "valkey" */
    engine?: CacheEngine;
    /** Node type. @default "cache.t4g.small" */
    nodeType?: string;
    /** Replicas of each primary (0-5). @default 1 */
    replicas?: number;
    /** Automatic failover to a replica, with Multi-AZ. Needs a replica. @default true when there is a replica */
    automaticFailover?: boolean;
    /** Cluster mode: data sharded over this many primaries (1-500). @default none (one primary) */
    shards?: number;
    /** Encryption in transit (TLS). Required by the AUTH token. @default true */
    transitEncryption?: boolean;
    /** An AUTH token, generated and kept in Secrets Manager. @default true */
    authToken?: boolean;
    /** Customer-managed KMS key for data at rest. @default the AWS-managed key */
    kmsKeyArn?: pulumi.Input<string>;
    /** Days of daily snapshots (0-35). @default 7 in production, 1 otherwise */
    snapshotRetentionDays?: number;
    /** Retention of the slow-log group, in days. @default 14 */
    logRetentionDays?: number;
    /**
     * Production data (sessions, carts): Pulumi `protect` and a final snapshot. @default false
     */
    production?: boolean;
    /**
     * A global datastore: this group as primary, a read-only replica group in each other region
     * (ElastiCache allows two), keyed (by region, say). @default none
     */
    secondaries?: Record<string, RedisSecondaryArgs>;
    /** Tags for every child, on top of the provider's default tags. @default {} */
    tags?: Record<string, string>;
    /**
     * Alarms on each node's engine CPU, memory and evictions, and on each secondary's lag behind
     * the primary region; false for none. `topicArnsByKey` names the topic of each secondary's
     * region. @default on, with topics of its own
     */
    alarms?: AlarmsArgs | false;
}

/**
 * An ElastiCache replication group (Valkey or Redis): replicas with Multi-AZ failover,
 * encryption at rest and in transit, an AUTH token in Secrets Manager, slow log in
 * CloudWatch, daily snapshots, optional cluster mode and an optional global datastore.
 * Port 6379 is open only to the security groups named.
 */
export class RedisCache extends pulumi.ComponentResource {
    /** The endpoint that takes writes (the configuration endpoint in cluster mode). */
    readonly primaryEndpoint: pulumi.Output<string>;
    /** The endpoint that spreads reads over the replicas (not in cluster mode: clients find replicas themselves). */
    readonly readerEndpoint: pulumi.Output<string>;
    readonly port: number;
    /** `rediss://` (TLS) or `redis://` URL of the primary endpoint, without credentials. */
    readonly url: pulumi.Output<string>;
    /** The secret holding the AUTH token, when there is one. */
    readonly authSecretArn?: pulumi.Output<string>;
    /** The AUTH token itself, as a secret, when there is one. */
    readonly authToken?: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    readonly globalDatastoreId?: pulumi.Output<string>;
    /** The endpoint of each secondary replica group, by key (read-only). */
    readonly secondaryEndpoints: Record<string, pulumi.Output<string>> = {};
    /** The primary replication group's id, and each secondary's by key: what a regional failover names. */
    readonly replicationGroupId: pulumi.Output<string>;
    readonly replicationGroupArn: pulumi.Output<string>;
    readonly secondaryGroupIds: Record<string, pulumi.Output<string>> = {};
    /** Its alarms, and the metrics they watch. */
    readonly alarms: ComponentAlarms;

    constructor(name: string, args: RedisCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        super("shop:data:RedisCache", name, {}, opts);

        const tags = args.tags ?? {};
        const parent = { parent: this };
        const engine = args.engine ?? "valkey";
        const replicas = args.replicas ?? 1;
        const failover = args.automaticFailover ?? replicas > 0;
        const transit = args.transitEncryption ?? true;
        const production = args.production ?? false;
        const port = 6379;

        const subnetGroup = new aws.elasticache.SubnetGroup(name, { subnetIds: args.subnetIds, description: `${name} cache nodes`, tags }, parent);
        const securityGroup = serviceSecurityGroup(
            name,
            {
                vpcId: args.vpcId,
                port,
                allowedSecurityGroups: args.allowedSecurityGroups,
                allowedCidrs: args.allowedCidrs,
                description: "Cache: 6379 from the named security groups only",
                tags,
            },
            parent,
        );
        const parameters = new aws.elasticache.ParameterGroup(
            name,
            {
                family: cacheEngines[engine].family,
                description: "Cache-aside and sessions: evict least recently used keys that have a TTL",
                parameters: [{ name: "maxmemory-policy", value: "volatile-lru" }, ...(args.shards ? [{ name: "cluster-enabled", value: "yes" }] : [])],
                tags,
            },
            parent,
        );
        const slowLog = new aws.cloudwatch.LogGroup(`${name}-slow-log`, { retentionInDays: args.logRetentionDays ?? 14, tags }, parent);

        let authToken: pulumi.Output<string> | undefined;
        if (args.authToken ?? true) {
            // ElastiCache takes 16-128 printable characters, but not '@', '"' or '/': letters and digits are safe everywhere.
            authToken = new random.RandomPassword(`${name}-auth`, { length: 64, special: false }, parent).result;
            const secret = new aws.secretsmanager.Secret(
                `${name}-auth`,
                { description: `AUTH token of the ${name} cache`, kmsKeyId: args.kmsKeyArn, tags },
                parent,
            );
            new aws.secretsmanager.SecretVersion(`${name}-auth`, { secretId: secret.id, secretString: authToken }, parent);
            this.authSecretArn = secret.arn;
            this.authToken = pulumi.secret(authToken);
        }

        const group = new aws.elasticache.ReplicationGroup(
            name,
            {
                description: `${name} (${engine})`,
                engine,
                engineVersion: cacheEngines[engine].version,
                nodeType: args.nodeType ?? "cache.t4g.small",
                port,
                ...(args.shards
                    ? { clusterMode: "enabled", numNodeGroups: args.shards, replicasPerNodeGroup: replicas }
                    : { clusterMode: "disabled", numCacheClusters: 1 + replicas }),
                automaticFailoverEnabled: failover,
                multiAzEnabled: failover,
                subnetGroupName: subnetGroup.name,
                securityGroupIds: [securityGroup.id],
                // Joining a global datastore, ElastiCache puts the primary on the datastore's own parameter group: naming
                // ours then would be a diff forever. Left out (the provider computes it), the group keeps what it has.
                parameterGroupName: args.secondaries && Object.keys(args.secondaries).length > 0 ? undefined : parameters.name,
                atRestEncryptionEnabled: true,
                kmsKeyId: args.kmsKeyArn,
                transitEncryptionEnabled: transit,
                transitEncryptionMode: transit ? "required" : undefined,
                authToken,
                snapshotRetentionLimit: args.snapshotRetentionDays ?? (production ? 7 : 1),
                snapshotWindow: "02:00-03:00",
                maintenanceWindow: "sun:05:00-sun:06:00",
                finalSnapshotIdentifier: production ? `${name}-final` : undefined,
                autoMinorVersionUpgrade: true,
                logDeliveryConfigurations: [{ destination: slowLog.name, destinationType: "cloudwatch-logs", logFormat: "json", logType: "slow-log" }],
                tags,
            },
            { parent: this, protect: production },
        );

        this.alarms = new ComponentAlarms(name, args.alarms, this, tags);
        // Node ids are the group's id and the node's number (cluster mode adds the shard's): known before the nodes.
        const nodesOf = (groupId: pulumi.Output<string>) =>
            Array.from({ length: args.shards ?? 1 }, (_, shard) =>
                Array.from({ length: 1 + replicas }, (_, n) => {
                    const node = String(n + 1).padStart(3, "0");
                    return args.shards
                        ? {
                              key: `${String(shard + 1).padStart(4, "0")}-${node}`,
                              id: pulumi.interpolate`${groupId}-${String(shard + 1).padStart(4, "0")}-${node}`,
                          }
                        : { key: node, id: pulumi.interpolate`${groupId}-${node}` };
                }),
            ).flat();
        for (const node of nodesOf(group.id)) nodeAlarms(this.alarms, `${name}-${node.key}`, node.id);

        const secondaries = Object.entries(args.secondaries ?? {});
        if (secondaries.length > 0) {
            const global = new aws.elasticache.GlobalReplicationGroup(
                name,
                { globalReplicationGroupIdSuffix: name, primaryReplicationGroupId: group.id, globalReplicationGroupDescription: `${name} across regions` },
                { parent: this, protect: production },
            );
            for (const [key, secondary] of secondaries) {
                const there = `${name}-${key}`;
                const inSecondary = { parent: this, provider: secondary.provider };
                const secondarySubnets = new aws.elasticache.SubnetGroup(
                    there,
                    { subnetIds: secondary.subnetIds, description: `${name} nodes in ${key}`, tags },
                    inSecondary,
                );
                const secondaryGroup = serviceSecurityGroup(
                    there,
                    {
                        vpcId: secondary.vpcId,
                        port,
                        allowedSecurityGroups: secondary.allowedSecurityGroups,
                        allowedCidrs: secondary.allowedCidrs,
                        description: "Cache secondary: 6379 from the named security groups only",
                        tags,
                    },
                    inSecondary,
                );
                // Engine, node type, encryption and AUTH come from the global datastore.
                const replica = new aws.elasticache.ReplicationGroup(
                    there,
                    {
                        description: `${name} in ${key} (read-only)`,
                        globalReplicationGroupId: global.globalReplicationGroupId,
                        numCacheClusters: args.shards ? undefined : 1 + replicas,
                        automaticFailoverEnabled: failover,
                        multiAzEnabled: failover,
                        subnetGroupName: secondarySubnets.name,
                        securityGroupIds: [secondaryGroup.id],
                        snapshotRetentionLimit: args.snapshotRetentionDays ?? (production ? 7 : 1),
                        finalSnapshotIdentifier: production ? `${there}-final` : undefined,
                        tags,
                    },
                    { ...inSecondary, protect: production },
                );
                for (const node of nodesOf(replica.id))
                    this.alarms.metric(`${there}-${node.key}-global-lag`, {
                        kind: "cacheGlobalLagSeconds",
                        description: `${there}: the secondary lags the primary region by more than the threshold in seconds; sessions and carts there are stale and a promotion would lose them. Look at: the primary's write load and network, the global datastore's status`,
                        namespace: "AWS/ElastiCache",
                        metricName: "GlobalDatastoreReplicationLag",
                        dimensions: { CacheClusterId: node.id },
                        stat: "Maximum",
                        comparison: "GreaterThanThreshold",
                        secondary: { key, provider: secondary.provider },
                    });
                this.secondaryEndpoints[key] = args.shards ? replica.configurationEndpointAddress : replica.primaryEndpointAddress;
                this.secondaryGroupIds[key] = replica.id;
            }
            this.globalDatastoreId = global.globalReplicationGroupId;
        }

        this.primaryEndpoint = args.shards ? group.configurationEndpointAddress : group.primaryEndpointAddress;
        this.replicationGroupId = group.id;
        this.replicationGroupArn = group.arn;
        this.readerEndpoint = args.shards ? group.configurationEndpointAddress : group.readerEndpointAddress;
        this.port = port;
        this.url = pulumi.interpolate`${transit ? "rediss" : "redis"}://${this.primaryEndpoint}:${port}`;
        this.securityGroupId = securityGroup.id;
        this.registerOutputs({
            primaryEndpoint: this.primaryEndpoint,
            readerEndpoint: this.readerEndpoint,
            url: this.url,
            authSecretArn: this.authSecretArn,
            securityGroupId: this.securityGroupId,
            globalDatastoreId: this.globalDatastoreId,
        });
    }
}

/** One node's alarms: the engine thread's CPU, memory against what the engine may use, and evictions. */
function nodeAlarms(alarms: ComponentAlarms, there: string, nodeId: pulumi.Output<string>) {
    const on = { namespace: "AWS/ElastiCache", dimensions: { CacheClusterId: nodeId } };
    alarms.metric(`${there}-cpu`, {
        ...on,
        kind: "cacheCpuPercent",
        description: `${there}: the engine's CPU above the threshold. Look at: the slow log, big keys and O(N) commands (KEYS, large MGET), a larger node type`,
        metricName: "EngineCPUUtilization",
        stat: "Maximum",
        comparison: "GreaterThanThreshold",
    });
    alarms.metric(`${there}-memory`, {
        ...on,
        kind: "cacheMemoryPercent",
        description: `${there}: memory used above the threshold of what the engine may use; evictions follow. Look at: keys without a TTL (sessions and carts have one), the cached values' sizes, a larger node type`,
        metricName: "DatabaseMemoryUsagePercentage",
        stat: "Maximum",
        comparison: "GreaterThanThreshold",
    });
    alarms.metric(`${there}-evictions`, {
        ...on,
        kind: "cacheEvictions",
        description: `${there}: keys evicted for memory above the threshold; cached reads fall through to the databases and sessions may be lost. Look at: memory use, the TTLs, a larger node type`,
        metricName: "Evictions",
        stat: "Sum",
        comparison: "GreaterThanThreshold",
    });
}

function validate(name: string, args: RedisCacheArgs): void {
    const engine = args.engine ?? "valkey";
    const replicas = args.replicas ?? 1;
    const nodeType = args.nodeType ?? "cache.t4g.small";
    const secondaries = Object.entries(args.secondaries ?? {});
    const problems = new Problems()
        .check(!(engine in cacheEngines), `engine must be one of ${Object.keys(cacheEngines).join(", ")} (got ${JSON.stringify(engine)})`)
        .check(!isIntIn(replicas, 0, 5), `replicas must be an integer from 0 to 5 (got ${replicas})`)
        .check(args.automaticFailover === true && replicas === 0, "automaticFailover needs at least one replica to fail over to (replicas is 0)")
        .check(args.shards !== undefined && !isIntIn(args.shards, 1, 500), `shards must be an integer from 1 to 500 (got ${args.shards})`)
        .check(args.shards !== undefined && args.automaticFailover === false, "cluster mode (shards) requires automaticFailover")
        .check((args.authToken ?? true) && args.transitEncryption === false, "an AUTH token requires transitEncryption: ElastiCache sends it only over TLS")
        .check(
            !/^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(nodeType),
            `nodeType must be an ElastiCache node type such as cache.r7g.large (got ${JSON.stringify(nodeType)})`,
        )
        .check(
            args.snapshotRetentionDays !== undefined && !isIntIn(args.snapshotRetentionDays, 0, 35),
            `snapshotRetentionDays must be an integer from 0 to 35 (got ${args.snapshotRetentionDays})`,
        )
        .check(
            replicas > 0 && args.subnetIds.length < 2,
            `subnetIds must list subnets in at least two zones when there are replicas (got ${args.subnetIds.length})`,
        )
        .check(
            secondaries.length > 0 && /^cache\.t/.test(nodeType),
            `a global datastore (secondaries) needs a node type of the m or r families, not ${nodeType}`,
        )
        .check(secondaries.length > 2, `secondaries: a global datastore has at most two secondary regions (got ${secondaries.length})`);
    for (const problem of admittedProblems(args, "cache")) problems.check(true, problem);
    for (const [key, secondary] of secondaries)
        for (const problem of admittedProblems(secondary, "cache", `secondaries.${key}.`)) problems.check(true, problem);
    problems.throwIfAny("RedisCache", name);
}
