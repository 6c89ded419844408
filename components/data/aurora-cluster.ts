import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { assumableBy } from "../iam";
import { admittedProblems, serviceSecurityGroup } from "../network/service-security-group";
import { AlarmsArgs, ComponentAlarms } from "../observability/alarms";
import { isIntIn, Problems } from "../validation";

/** The Aurora PostgreSQL version every cluster runs: the one place it is pinned. */
export const auroraPostgresVersion = "16.6";
/** The parameter group family of that version. */
export const auroraPostgresFamily = "aurora-postgresql16";
const serverlessClass = "db.serverless";
/** Aurora allows 15 readers besides the writer. */
const maxReaders = 15;

export interface AuroraInstanceArgs {
    /** Instance class; `db.serverless` for Aurora Serverless v2 (needs `serverlessV2`). @default the cluster's `instanceClass` */
    instanceClass?: string;
    /**
     * Failover priority, 0 (first) to 15 (last). @default 1 for readers, so that any reader
     * the caller ranks ahead can still be placed; the writer is always 0.
     */
    promotionTier?: number;
}

export interface ReaderAutoscalingArgs {
    /** Fewest autoscaled readers (0 allowed: the writer and the declared readers are never scaled). */
    minReaders: number;
    /** Most autoscaled readers. */
    maxReaders: number;
    /** What to track: average reader CPU (%) or average reader connections. @default "cpu" */
    metric?: "cpu" | "connections";
    /** Target value of the metric. @default 60 (CPU %) or 500 (connections) */
    target?: number;
}

export interface AuroraSecondaryArgs {
    /** The provider of the secondary region. */
    provider: aws.Provider;
    vpcId: pulumi.Input<string>;
    /** Isolated subnets of the secondary region's VPC. */
    subnetIds: pulumi.Input<string>[];
    /** Security groups admitted on 5432 in the secondary region. */
    allowedSecurityGroups: Record<string, pulumi.Input<string>>;
    /** Peered ranges admitted on 5432 in the secondary region, keyed. @default {} */
    allowedCidrs?: Record<string, string>;
    /** Read-only instances in the secondary region, keyed like readers. @default { "1": {} } */
    instances?: Record<string, AuroraInstanceArgs>;
    /**
     * KMS key of the secondary region for its storage and Performance Insights: an encrypted
     * cross-region replica needs a key valid in its own region. @default a new key there, with rotation
     */
    kmsKeyArn?: pulumi.Input<string>;
}

/** A master password made outside the cluster, shared by several clusters. */
export interface SharedCredential {
    password: pulumi.Input<string>;
    /** The Secrets Manager secret that holds it, as JSON with `username` and `password`. */
    secretArn: pulumi.Input<string>;
    /** The secret's current version: a new one (a rotated password) rolls the fleets that read it at boot. @default none */
    version?: pulumi.Input<string>;
}

export interface AuroraClusterArgs {
    vpcId: pulumi.Input<string>;
    /** The isolated (data) subnets, in at least two zones. */
    subnetIds: pulumi.Input<string>[];
    /** Security groups admitted on 5432, keyed by a stable name (such as "app"). */
    allowedSecurityGroups: Record<string, pulumi.Input<string>>;
    /** Address ranges admitted on 5432, keyed: peered VPCs of other regions, whose groups cannot be referenced. @default {} */
    allowedCidrs?: Record<string, string>;
    /** Name of the database created in the cluster. @default "shop" */
    databaseName?: string;
    /** The master user. @default "shop_admin" */
    masterUsername?: string;
    /**
     * Who makes the master password: `generated` (a random password this component keeps in a
     * Secrets Manager secret), or a credential the caller made and shares between clusters (the
     * shards of one table), given as the password and the secret that holds it in RDS's shape
     * (`username`, `password`). Never RDS-managed: RDS would rotate it every week behind the
     * back of the servers and pods that read it once; rotation is a new password version and a
     * `pulumi up`, which rolls them. @default "generated"
     */
    masterPassword?: "generated" | SharedCredential;
    /** Default instance class of the writer and readers. @default "db.r6g.large" */
    instanceClass?: string;
    /** The writer instance. @default {} */
    writer?: AuroraInstanceArgs;
    /** Reader instances, keyed: adding one in the middle renames none. @default {} */
    readers?: Record<string, AuroraInstanceArgs>;
    /** Application Auto Scaling of extra readers; never touches the writer. @default none */
    readerAutoscaling?: ReaderAutoscalingArgs;
    /** Aurora Serverless v2 capacity range in ACUs, for `db.serverless` instances. @default none */
    serverlessV2?: { minCapacity: number; maxCapacity: number };
    /** Customer-managed KMS key for storage and the password secret. @default the AWS-managed key */
    kmsKeyArn?: pulumi.Input<string>;
    /** Days of automated backups. @default 14 in production, 1 otherwise */
    backupRetentionDays?: number;
    /** Retention of the exported PostgreSQL logs (a log group per region, made before its cluster), in days. @default 30 */
    logRetentionDays?: number;
    /**
     * Production data: deletion protection, a final snapshot, and Pulumi `protect` on the cluster,
     * so neither `pulumi destroy` nor a mistaken change deletes it. @default false
     */
    production?: boolean;
    /**
     * Makes the cluster the primary of an Aurora global database with a read-only secondary
     * cluster in each other region, keyed (by region, say): adding one renames none. @default none
     */
    secondaries?: Record<string, AuroraSecondaryArgs>;
    /** Tags for every child, on top of the provider's default tags. @default {} */
    tags?: Record<string, string>;
    /**
     * Alarms on CPU, freeable memory and connections of each regional cluster, reader lag where
     * there are readers, and each secondary's lag behind the primary region; false for none.
     * `topicArnsByKey` names the topic of each secondary's region. @default on, with topics of its own
     */
    alarms?: AlarmsArgs | false;
}

/**
 * Aurora PostgreSQL: a writer, a keyed map of readers, optional reader autoscaling and
 * Serverless v2 readers, and optionally a global database with a secondary region.
 * Storage encrypted, TLS forced (`rds.force_ssl`), isolated subnets, port 5432 open only
 * to the security groups named, the master password in Secrets Manager, backups,
 * Performance Insights, enhanced monitoring and PostgreSQL logs in CloudWatch.
 */
export class AuroraCluster extends pulumi.ComponentResource {
    readonly clusterIdentifier: pulumi.Output<string>;
    /** The home (primary) cluster's ARN: what a backup plan selects. */
    readonly clusterArn: pulumi.Output<string>;
    readonly writerEndpoint: pulumi.Output<string>;
    readonly readerEndpoint: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly databaseName: string;
    readonly masterUsername: string;
    /** The Secrets Manager secret holding the master password (JSON with `username` and `password`). */
    readonly secretArn: pulumi.Output<string>;
    /** The master password (generated or shared), as a secret. */
    readonly masterPassword: pulumi.Output<string>;
    /** The version of the password's secret: it changes when the password is rotated. */
    readonly secretVersion: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    readonly globalClusterId?: pulumi.Output<string>;
    /** The reader endpoint of each secondary cluster, by key. */
    readonly secondaryReaderEndpoints: Record<string, pulumi.Output<string>> = {};
    /** Each secondary cluster's ARN, by key: what a regional failover names as its target. */
    readonly secondaryClusterArns: Record<string, pulumi.Output<string>> = {};
    /** Its alarms, and the metrics they watch. */
    readonly alarms: ComponentAlarms;

    constructor(name: string, args: AuroraClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        super("shop:data:AuroraCluster", name, {}, opts);

        const tags = args.tags ?? {};
        const production = args.production ?? false;
        const parent = { parent: this };
        const instanceClass = args.instanceClass ?? "db.r6g.large";
        const databaseName = args.databaseName ?? "shop";
        const masterUsername = args.masterUsername ?? "shop_admin";
        const passwordMode = args.masterPassword ?? "generated";
        const credential =
            passwordMode === "generated" ? masterCredential(name, { username: masterUsername, kmsKeyArn: args.kmsKeyArn, tags }, parent) : passwordMode;

        const monitoringRole = new aws.iam.Role(`${name}-monitoring`, { assumeRolePolicy: assumableBy("monitoring.rds.amazonaws.com"), tags }, parent);
        new aws.iam.RolePolicyAttachment(
            `${name}-monitoring`,
            { role: monitoringRole.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole" },
            parent,
        );

        /**
         * One region's cluster, the one definition the primary and every secondary are built
         * from, so that a failover changes nothing but the region: its subnets, its security
         * group, the same parameters, IAM authentication, backups, encryption with a key of its
         * region, its PostgreSQL logs in a group made beforehand with the retention asked, and
         * its instances (a change to a reader applies at deploy, not in the maintenance window).
         */
        const regional = (
            there: string,
            region: {
                vpcId: pulumi.Input<string>;
                subnetIds: pulumi.Input<string>[];
                allowedSecurityGroups: Record<string, pulumi.Input<string>>;
                allowedCidrs?: Record<string, string>;
                /** The security group's description (its first words are part of its identity: a new one replaces it). */
                groupDescription: string;
                kmsKeyArn?: pulumi.Input<string>;
                role: { primary: true } | { secondaryOf: aws.rds.GlobalCluster; after: pulumi.Resource };
            },
            opts: pulumi.CustomResourceOptions,
        ) => {
            const subnetGroup = new aws.rds.SubnetGroup(there, { subnetIds: region.subnetIds, tags }, opts);
            const securityGroup = serviceSecurityGroup(
                there,
                {
                    vpcId: region.vpcId,
                    port: 5432,
                    allowedSecurityGroups: region.allowedSecurityGroups,
                    allowedCidrs: region.allowedCidrs,
                    description: region.groupDescription,
                    tags,
                },
                opts,
            );
            const parameters = new aws.rds.ClusterParameterGroup(
                there,
                {
                    family: auroraPostgresFamily,
                    description: "TLS required; slow statements logged",
                    parameters: [
                        { name: "rds.force_ssl", value: "1" },
                        { name: "log_min_duration_statement", value: "500" },
                    ],
                    tags,
                },
                opts,
            );
            // RDS would make the group on the first export, with no retention: logs kept forever.
            const logGroup = new aws.cloudwatch.LogGroup(
                `${there}-postgresql`,
                { name: `/aws/rds/cluster/${there}/postgresql`, retentionInDays: args.logRetentionDays ?? 30, tags },
                opts,
            );
            const role = region.role;
            const cluster = new aws.rds.Cluster(
                there,
                {
                    // Named, so that its log group can be made first.
                    clusterIdentifier: there,
                    engine: "aurora-postgresql",
                    engineVersion: auroraPostgresVersion,
                    ...("primary" in role
                        ? // A password of ours, and never manageMasterUserPassword beside it: the provider declares the two in conflict, whatever the value.
                          { databaseName, masterUsername, masterPassword: credential.password }
                        : { globalClusterIdentifier: role.secondaryOf.id }),
                    dbSubnetGroupName: subnetGroup.name,
                    vpcSecurityGroupIds: [securityGroup.id],
                    dbClusterParameterGroupName: parameters.name,
                    storageEncrypted: true,
                    kmsKeyId: region.kmsKeyArn,
                    iamDatabaseAuthenticationEnabled: true,
                    backupRetentionPeriod: args.backupRetentionDays ?? (production ? 14 : 1),
                    preferredBackupWindow: "03:00-04:00",
                    preferredMaintenanceWindow: "sun:04:30-sun:05:30",
                    copyTagsToSnapshot: true,
                    deletionProtection: production,
                    skipFinalSnapshot: !production,
                    finalSnapshotIdentifier: production ? `${there}-final` : undefined,
                    enabledCloudwatchLogsExports: ["postgresql"],
                    serverlessv2ScalingConfiguration: args.serverlessV2,
                    tags,
                },
                "primary" in role
                    ? // The global cluster adopts the primary; its identifier is not this resource's to change.
                      { ...opts, protect: production, dependsOn: [logGroup], ignoreChanges: ["globalClusterIdentifier"] }
                    : { ...opts, protect: production, dependsOn: [logGroup, role.after], ignoreChanges: ["replicationSourceIdentifier"] },
            );
            const instance = (key: string, spec: AuroraInstanceArgs, promotionTier: number, reader: boolean, options: pulumi.CustomResourceOptions) =>
                new aws.rds.ClusterInstance(
                    key,
                    {
                        clusterIdentifier: cluster.id,
                        engine: "aurora-postgresql",
                        engineVersion: auroraPostgresVersion,
                        instanceClass: spec.instanceClass ?? instanceClass,
                        dbSubnetGroupName: subnetGroup.name,
                        promotionTier,
                        publiclyAccessible: false,
                        // Minor versions move with the one pin above, never under it: an automatic upgrade would make the next refresh plan a downgrade.
                        autoMinorVersionUpgrade: false,
                        // A reader's change (a new class, say Serverless v2) applies at deploy; the writer's waits for the window.
                        applyImmediately: reader ? true : undefined,
                        performanceInsightsEnabled: true,
                        performanceInsightsKmsKeyId: region.kmsKeyArn,
                        performanceInsightsRetentionPeriod: 7,
                        monitoringInterval: 60,
                        // IAM is global: one monitoring role serves every region's instances.
                        monitoringRoleArn: monitoringRole.arn,
                        tags,
                    },
                    options,
                );
            return { cluster, securityGroup, instance };
        };

        const home = regional(
            name,
            {
                vpcId: args.vpcId,
                subnetIds: args.subnetIds,
                allowedSecurityGroups: args.allowedSecurityGroups,
                allowedCidrs: args.allowedCidrs,
                groupDescription: "Aurora PostgreSQL: 5432 from the named security groups only",
                kmsKeyArn: args.kmsKeyArn,
                role: { primary: true },
            },
            parent,
        );
        const cluster = home.cluster;
        const securityGroup = home.securityGroup;
        this.alarms = new ComponentAlarms(name, args.alarms, this, tags);
        clusterAlarms(this.alarms, name, cluster.id, { readers: Object.keys(args.readers ?? {}).length > 0 || args.readerAutoscaling !== undefined });
        const writer = home.instance(`${name}-writer`, args.writer ?? {}, 0, false, parent);
        const readers = Object.entries(args.readers ?? {}).map(([key, spec]) =>
            home.instance(`${name}-reader-${key}`, spec, spec.promotionTier ?? 1, true, { parent: this, dependsOn: [writer] }),
        );

        if (args.readerAutoscaling) {
            const { minReaders, maxReaders: most, metric = "cpu" } = args.readerAutoscaling;
            // The scalable dimension is the reader count: Application Auto Scaling adds and removes only readers it made.
            const target = new aws.appautoscaling.Target(
                `${name}-readers`,
                {
                    serviceNamespace: "rds",
                    scalableDimension: "rds:cluster:ReadReplicaCount",
                    resourceId: pulumi.interpolate`cluster:${cluster.id}`,
                    minCapacity: minReaders,
                    maxCapacity: most,
                },
                { parent: this, dependsOn: [writer, ...readers] },
            );
            new aws.appautoscaling.Policy(
                `${name}-readers`,
                {
                    policyType: "TargetTrackingScaling",
                    serviceNamespace: target.serviceNamespace,
                    scalableDimension: target.scalableDimension,
                    resourceId: target.resourceId,
                    targetTrackingScalingPolicyConfiguration: {
                        predefinedMetricSpecification: {
                            predefinedMetricType: metric === "cpu" ? "RDSReaderAverageCPUUtilization" : "RDSReaderAverageDatabaseConnections",
                        },
                        targetValue: args.readerAutoscaling.target ?? (metric === "cpu" ? 60 : 500),
                        scaleInCooldown: 300,
                        scaleOutCooldown: 60,
                    },
                },
                parent,
            );
        }

        const secondaries = Object.entries(args.secondaries ?? {});
        if (secondaries.length > 0) {
            // The global database composed from the regional clusters: made from the existing primary, so turning it global replaces nothing.
            const global = new aws.rds.GlobalCluster(
                name,
                {
                    globalClusterIdentifier: `${name}-global`,
                    sourceDbClusterIdentifier: cluster.arn,
                    forceDestroy: !production,
                    deletionProtection: production,
                },
                { parent: this, protect: production, dependsOn: [writer] },
            );
            for (const [key, secondary] of secondaries) {
                const there = `${name}-${key}`;
                const inSecondary = { parent: this, provider: secondary.provider };
                const kmsKeyArn =
                    secondary.kmsKeyArn ??
                    new aws.kms.Key(
                        there,
                        { description: `Storage of the ${there} Aurora cluster`, enableKeyRotation: true, deletionWindowInDays: 30, tags },
                        { ...inSecondary, protect: production },
                    ).arn;
                const copy = regional(
                    there,
                    {
                        vpcId: secondary.vpcId,
                        subnetIds: secondary.subnetIds,
                        allowedSecurityGroups: secondary.allowedSecurityGroups,
                        allowedCidrs: secondary.allowedCidrs,
                        groupDescription: "Aurora PostgreSQL secondary: 5432 from the named security groups only",
                        kmsKeyArn,
                        role: { secondaryOf: global, after: writer },
                    },
                    inSecondary,
                );
                Object.entries(secondary.instances ?? { "1": {} }).forEach(([instanceKey, spec], i) =>
                    copy.instance(`${there}-${instanceKey}`, spec, spec.promotionTier ?? i, true, { ...inSecondary, dependsOn: [copy.cluster] }),
                );
                this.secondaryReaderEndpoints[key] = copy.cluster.readerEndpoint;
                this.secondaryClusterArns[key] = copy.cluster.arn;
                clusterAlarms(this.alarms, there, copy.cluster.id, { readers: false, secondary: { key, provider: secondary.provider } });
            }
            this.globalClusterId = global.id;
        }

        this.clusterIdentifier = cluster.id;
        this.clusterArn = cluster.arn;
        this.writerEndpoint = cluster.endpoint;
        this.readerEndpoint = cluster.readerEndpoint;
        this.port = cluster.port;
        this.databaseName = databaseName;
        this.masterUsername = masterUsername;
        this.masterPassword = pulumi.secret(credential.password);
        this.secretArn = pulumi.output(credential.secretArn);
        this.secretVersion = pulumi.output(credential.version ?? "");
        this.securityGroupId = securityGroup.id;
        this.registerOutputs({
            writerEndpoint: this.writerEndpoint,
            readerEndpoint: this.readerEndpoint,
            port: this.port,
            secretArn: this.secretArn,
            securityGroupId: this.securityGroupId,
            globalClusterId: this.globalClusterId,
        });
    }
}

/**
 * One regional cluster's alarms: CPU, freeable memory and connections of its busiest instance,
 * the readers' lag behind the writer where it has readers, and for a secondary of a global
 * database its lag behind the primary region (AuroraGlobalDBReplicationLag, milliseconds).
 */
function clusterAlarms(
    alarms: ComponentAlarms,
    there: string,
    clusterId: pulumi.Output<string>,
    has: { readers: boolean; secondary?: { key: string; provider: aws.Provider } },
) {
    const on = { namespace: "AWS/RDS", dimensions: { DBClusterIdentifier: clusterId }, secondary: has.secondary };
    const insights = `Performance Insights of ${there} (top SQL and waits), its PostgreSQL log (/aws/rds/cluster/${there}/postgresql)`;
    alarms.metric(`${there}-cpu`, {
        ...on,
        kind: "databaseCpuPercent",
        description: `${there}: an instance's CPU above the threshold. Look at: ${insights}, the cache's hit rate`,
        metricName: "CPUUtilization",
        stat: "Maximum",
        comparison: "GreaterThanThreshold",
    });
    alarms.metric(`${there}-memory`, {
        ...on,
        kind: "databaseFreeableMemoryMiB",
        description: `${there}: an instance's freeable memory below the threshold in MiB. Look at: connections and their work_mem, ${insights}, a larger instance class`,
        metricName: "FreeableMemory",
        stat: "Minimum",
        comparison: "LessThanThreshold",
        threshold: alarms.rule("databaseFreeableMemoryMiB").threshold * 1024 * 1024,
    });
    alarms.metric(`${there}-connections`, {
        ...on,
        kind: "databaseConnections",
        description: `${there}: connections of an instance above the threshold. Look at: the servers' and pods' pool sizes (SHOP_DATABASE_POOL_SIZE) times their count, idle sessions in pg_stat_activity`,
        metricName: "DatabaseConnections",
        stat: "Maximum",
        comparison: "GreaterThanThreshold",
    });
    if (has.readers)
        alarms.metric(`${there}-replica-lag`, {
            ...on,
            kind: "databaseReplicaLagMs",
            description: `${there}: a reader lags the writer by more than the threshold in ms; reads from it are stale. Look at: the writer's write load, the reader's CPU, long queries on the reader`,
            metricName: "AuroraReplicaLagMaximum",
            stat: "Maximum",
            comparison: "GreaterThanThreshold",
        });
    if (has.secondary)
        alarms.metric(`${there}-global-lag`, {
            ...on,
            kind: "databaseGlobalLagMs",
            description: `${there}: the secondary lags the primary region by more than the threshold in ms: a regional failover would lose that much. Look at: aurora_global_db_status() on the primary, the write load, the network between the regions`,
            metricName: "AuroraGlobalDBReplicationLag",
            stat: "Maximum",
            comparison: "GreaterThanThreshold",
        });
}

/**
 * A random master password, kept in a Secrets Manager secret in the shape RDS itself uses:
 * what `masterPassword: "generated"` makes, and what callers make once to share between clusters.
 * Rotation is a `pulumi up` that replaces the RandomPassword: a new secret version, set on the
 * cluster, which rolls the fleets (their boot script names the version) and the pods (their
 * Secret holds the value).
 */
export function masterCredential(
    name: string,
    args: { username: string; kmsKeyArn?: pulumi.Input<string>; tags?: Record<string, string> },
    opts: pulumi.CustomResourceOptions,
): SharedCredential & { password: pulumi.Output<string>; secretArn: pulumi.Output<string>; version: pulumi.Output<string> } {
    // RDS refuses '/', '@', '"' and spaces in master passwords.
    const password = new random.RandomPassword(`${name}-master`, { length: 40, special: true, overrideSpecial: "!#$%^&*()-_=+[]{}<>:?" }, opts);
    const secret = new aws.secretsmanager.Secret(
        `${name}-master`,
        { description: `Master user of the ${name} Aurora cluster`, kmsKeyId: args.kmsKeyArn, tags: args.tags ?? {} },
        opts,
    );
    const version = new aws.secretsmanager.SecretVersion(
        `${name}-master`,
        { secretId: secret.id, secretString: pulumi.jsonStringify({ username: args.username, password: password.result }) },
        opts,
    );
    return { password: password.result, secretArn: secret.arn, version: version.versionId };
}

function validate(name: string, args: AuroraClusterArgs): void {
    const instances = { writer: args.writer ?? {}, ...Object.fromEntries(Object.entries(args.readers ?? {}).map(([k, v]) => [`readers.${k}`, v])) };
    const usesServerless = Object.values(instances).some((i) => (i.instanceClass ?? args.instanceClass) === serverlessClass);
    const readerCount = Object.keys(args.readers ?? {}).length;
    const scaling = args.readerAutoscaling;
    const secondaryCount = Object.keys(args.secondaries ?? {}).length;
    // The clusters are named after the component (and each secondary's key): RDS's rules for identifiers hold for those names.
    const identifiers = [name, ...Object.keys(args.secondaries ?? {}).map((key) => `${name}-${key}`)];
    const badIdentifiers = identifiers.filter((id) => !/^[a-z](?:[a-z0-9]|-(?!-))*$/.test(id) || id.endsWith("-") || id.length > 63);
    const problems = new Problems()
        .check(
            badIdentifiers.length > 0,
            `cluster identifiers (the name, and name-key of each secondary) must be 1-63 lower-case letters, digits and single hyphens, starting with a letter (got ${badIdentifiers.join(", ")})`,
        )
        .check(
            args.logRetentionDays !== undefined && !isIntIn(args.logRetentionDays, 1, 3653),
            `logRetentionDays must be 1-3653 (got ${args.logRetentionDays})`,
        )
        .check(Array.isArray(args.subnetIds) && args.subnetIds.length < 2, `subnetIds must list subnets in at least two zones (got ${args.subnetIds.length})`)
        .check(readerCount > maxReaders, `readers: Aurora allows at most ${maxReaders} (got ${readerCount})`)
        .check(
            args.databaseName !== undefined && !/^[a-z][a-z0-9_]{0,62}$/.test(args.databaseName),
            `databaseName must be a lower-case identifier (got ${JSON.stringify(args.databaseName)})`,
        )
        .check(
            args.masterUsername !== undefined && !/^[a-z][a-z0-9_]{0,15}$/.test(args.masterUsername),
            `masterUsername must be a lower-case identifier of at most 16 characters (got ${JSON.stringify(args.masterUsername)})`,
        )
        .check(args.masterUsername === "admin" || args.masterUsername === "postgres", `masterUsername ${args.masterUsername} is reserved by Aurora PostgreSQL`)
        .check(
            args.backupRetentionDays !== undefined && !isIntIn(args.backupRetentionDays, 1, 35),
            `backupRetentionDays must be an integer from 1 to 35 (got ${args.backupRetentionDays})`,
        )
        .check(
            secondaryCount > 0 && /^db\.t/.test(args.instanceClass ?? "db.r6g.large"),
            `a global database (secondaries) needs a memory-optimized instance class such as db.r6g.large, not ${args.instanceClass}`,
        )
        .check(usesServerless && !args.serverlessV2, "serverlessV2 capacity is required when an instance class is db.serverless");
    for (const [where, spec] of Object.entries(instances)) {
        problems.check(
            spec.promotionTier !== undefined && !isIntIn(spec.promotionTier, 0, 15),
            `${where}.promotionTier must be an integer from 0 to 15 (got ${spec.promotionTier})`,
        );
        problems.check(
            spec.instanceClass !== undefined && !/^db\.[a-z0-9]+(\.[a-z0-9]+)?$/.test(spec.instanceClass),
            `${where}.instanceClass must be an RDS instance class such as db.r6g.large (got ${JSON.stringify(spec.instanceClass)})`,
        );
    }
    if (args.serverlessV2) {
        const { minCapacity, maxCapacity } = args.serverlessV2;
        problems
            .check(
                !(minCapacity >= 0 && minCapacity <= 256 && minCapacity * 2 === Math.round(minCapacity * 2)),
                `serverlessV2.minCapacity must be 0 to 256 in steps of 0.5 (got ${minCapacity})`,
            )
            .check(
                !(maxCapacity >= 1 && maxCapacity <= 256 && maxCapacity * 2 === Math.round(maxCapacity * 2)),
                `serverlessV2.maxCapacity must be 1 to 256 in steps of 0.5 (got ${maxCapacity})`,
            )
            .check(maxCapacity < minCapacity, `serverlessV2.maxCapacity (${maxCapacity}) must not be below minCapacity (${minCapacity})`);
    }
    if (scaling) {
        problems
            .check(
                !isIntIn(scaling.minReaders, 0, maxReaders),
                `readerAutoscaling.minReaders must be an integer from 0 to ${maxReaders} (got ${scaling.minReaders})`,
            )
            .check(
                !isIntIn(scaling.maxReaders, 1, maxReaders),
                `readerAutoscaling.maxReaders must be an integer from 1 to ${maxReaders} (got ${scaling.maxReaders})`,
            )
            .check(
                scaling.maxReaders < scaling.minReaders,
                `readerAutoscaling.maxReaders (${scaling.maxReaders}) must not be below minReaders (${scaling.minReaders})`,
            )
            .check(
                readerCount + scaling.maxReaders > maxReaders,
                `readers (${readerCount}) plus readerAutoscaling.maxReaders (${scaling.maxReaders}) exceed Aurora's ${maxReaders} readers`,
            )
            .check(scaling.target !== undefined && !(scaling.target > 0), `readerAutoscaling.target must be above 0 (got ${scaling.target})`)
            .check(
                scaling.metric === "cpu" && scaling.target !== undefined && scaling.target > 100,
                `readerAutoscaling.target is a CPU percentage: at most 100 (got ${scaling.target})`,
            );
    }
    for (const [key, secondary] of Object.entries(args.secondaries ?? {})) {
        for (const problem of admittedProblems(secondary, "database", `secondaries.${key}.`)) problems.check(true, problem);
        problems
            .check(secondary.subnetIds.length < 2, `secondaries.${key}.subnetIds must list subnets in at least two zones (got ${secondary.subnetIds.length})`)
            .check(
                secondary.instances !== undefined && Object.keys(secondary.instances).length === 0,
                `secondaries.${key}.instances must hold at least one instance`,
            );
    }
    for (const problem of admittedProblems(args, "database")) problems.check(true, problem);
    problems.throwIfAny("AuroraCluster", name);
}
