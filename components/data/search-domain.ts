import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { policyDocument } from "../iam";
import { admittedProblems, serviceSecurityGroup } from "../network/service-security-group";
import { AlarmsArgs, ComponentAlarms } from "../observability/alarms";
import { isIntIn, Problems } from "../validation";

/** The OpenSearch version every domain runs: the one place it is pinned. */
export const openSearchVersion = "OpenSearch_2.19";
/** TLS 1.2 or later with forward secrecy. */
export const searchTlsPolicy = "Policy-Min-TLS-1-2-PFS-2023-10";

export interface SearchDomainArgs {
    vpcId: pulumi.Input<string>;
    /** One private subnet per zone the domain spans: their count is the zone count (1-3). */
    subnetIds: pulumi.Input<string>[];
    /** Security groups admitted on 443, keyed by a stable name (such as "app"). */
    allowedSecurityGroups: Record<string, pulumi.Input<string>>;
    /** Address ranges admitted on 443, keyed: peered VPCs of other regions. @default {} */
    allowedCidrs?: Record<string, string>;
    /**
     * IAM roles allowed to call the domain's HTTP API with signed requests (the shop's instance
     * or pod roles). Without them the access policy is open and fine-grained access control
     * authenticates every request (its users, such as the master user), which AWS recommends
     * for domains in a VPC: the network and the security group keep everyone else out.
     * @default none: authentication by fine-grained access control alone
     */
    accessRoleArns?: pulumi.Input<string>[];
    /** Data node instance type. @default "r7g.large.search" */
    instanceType?: string;
    /** Data nodes; a multiple of the zone count, so every zone holds the same share. @default the zone count */
    instanceCount?: number;
    /** Three dedicated master nodes, which keep the cluster state stable under load. @default true in production */
    dedicatedMasters?: boolean;
    /** Instance type of the dedicated masters. @default "m7g.large.search" */
    dedicatedMasterType?: string;
    /** gp3 volume per data node, in GiB. @default 20 */
    volumeGiB?: number;
    /** Customer-managed KMS key for data at rest. @default the AWS-managed key */
    kmsKeyArn?: pulumi.Input<string>;
    /** Retention of the slow and error log groups, in days. @default 14 */
    logRetentionDays?: number;
    /** Production data: Pulumi `protect`, and dedicated masters by default. @default false */
    production?: boolean;
    /**
     * Create the account's OpenSearch service-linked role, which a VPC domain needs: a fresh
     * account has none, and creating it where it exists fails, so only the account that lacks it
     * asks for it. @default false
     */
    createServiceLinkedRole?: boolean;
    /** Tags for every child, on top of the provider's default tags. @default {} */
    tags?: Record<string, string>;
    /** Alarms on the cluster's status (red, yellow), JVM memory pressure and free storage; false for none. @default on, with a topic of its own */
    alarms?: AlarmsArgs | false;
}

/**
 * An OpenSearch domain inside the VPC: zone awareness over 2 or 3 zones, gp3 volumes,
 * encryption at rest and between nodes, HTTPS only with TLS 1.2+, fine-grained access
 * control with the master user in Secrets Manager, an access policy limited to the roles
 * named, slow and error logs in CloudWatch, and Auto-Tune.
 *
 * OpenSearch in a VPC needs the account's service-linked role
 * (AWSServiceRoleForAmazonOpenSearchService): with `createServiceLinkedRole` the component makes
 * it before the domain; elsewhere it exists already (a console-made VPC domain makes it, or
 * `aws iam create-service-linked-role --aws-service-name opensearchservice.amazonaws.com`).
 */
export class SearchDomain extends pulumi.ComponentResource {
    /** `https://` URL of the domain's VPC endpoint. */
    readonly endpoint: pulumi.Output<string>;
    /** The fine-grained access control master user. */
    readonly username: string;
    readonly domainArn: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    /** The secret holding the fine-grained access control master user (JSON `username`, `password`). */
    readonly masterUserSecretArn: pulumi.Output<string>;
    /** The master user's password, as a secret. */
    readonly masterPassword: pulumi.Output<string>;
    /** Its alarms, and the metrics they watch. */
    readonly alarms: ComponentAlarms;

    constructor(name: string, args: SearchDomainArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        super("shop:data:SearchDomain", name, {}, opts);

        const tags = args.tags ?? {};
        const parent = { parent: this };
        const production = args.production ?? false;
        const zones = args.subnetIds.length;
        const instanceType = args.instanceType ?? "r7g.large.search";
        const dedicatedMasters = args.dedicatedMasters ?? production;

        const securityGroup = serviceSecurityGroup(
            name,
            {
                vpcId: args.vpcId,
                port: 443,
                allowedSecurityGroups: args.allowedSecurityGroups,
                allowedCidrs: args.allowedCidrs,
                description: "OpenSearch: 443 from the named security groups only",
                tags,
            },
            parent,
        );

        const masterUser = "shop_search_admin";
        // Fine-grained access control wants an upper-case letter, a lower-case letter, a digit and a symbol.
        const masterPassword = new random.RandomPassword(
            `${name}-master`,
            { length: 32, minUpper: 1, minLower: 1, minNumeric: 1, minSpecial: 1, overrideSpecial: "!#%*-_=+" },
            parent,
        ).result;
        const secret = new aws.secretsmanager.Secret(
            `${name}-master`,
            { description: `Master user of the ${name} search domain`, kmsKeyId: args.kmsKeyArn, tags },
            parent,
        );
        new aws.secretsmanager.SecretVersion(
            `${name}-master`,
            { secretId: secret.id, secretString: pulumi.jsonStringify({ username: masterUser, password: masterPassword }) },
            parent,
        );

        const logTypes = { "search-slow": "SEARCH_SLOW_LOGS", "index-slow": "INDEX_SLOW_LOGS", errors: "ES_APPLICATION_LOGS" } as const;
        const logGroups = Object.entries(logTypes).map(
            ([key, logType]) =>
                [logType, new aws.cloudwatch.LogGroup(`${name}-${key}`, { retentionInDays: args.logRetentionDays ?? 14, tags }, parent)] as const,
        );
        // CloudWatch Logs must let the OpenSearch service write into these groups, and only these.
        const logPolicy = new aws.cloudwatch.LogResourcePolicy(
            `${name}-logs`,
            {
                // An account-wide name in its region: the stack's name keeps two stacks in one account (dev and a stage proof's) apart.
                policyName: `${name}-opensearch-logs-${pulumi.getStack()}`,
                policyDocument: pulumi.all(logGroups.map(([, group]) => group.arn)).apply((arns) =>
                    policyDocument([
                        {
                            Principal: { Service: "es.amazonaws.com" },
                            Action: ["logs:PutLogEvents", "logs:CreateLogStream"],
                            Resource: arns.map((arn) => `${arn}:*`),
                        },
                    ]),
                ),
            },
            parent,
        );

        const serviceRole = args.createServiceLinkedRole
            ? new aws.iam.ServiceLinkedRole(`${name}-service`, { awsServiceName: "opensearchservice.amazonaws.com", tags }, parent)
            : undefined;
        const domain = new aws.opensearch.Domain(
            name,
            {
                engineVersion: openSearchVersion,
                clusterConfig: {
                    instanceType,
                    instanceCount: args.instanceCount ?? zones,
                    zoneAwarenessEnabled: zones > 1,
                    zoneAwarenessConfig: zones > 1 ? { availabilityZoneCount: zones } : undefined,
                    dedicatedMasterEnabled: dedicatedMasters,
                    dedicatedMasterCount: dedicatedMasters ? 3 : undefined,
                    dedicatedMasterType: dedicatedMasters ? (args.dedicatedMasterType ?? "m7g.large.search") : undefined,
                },
                vpcOptions: { subnetIds: args.subnetIds, securityGroupIds: [securityGroup.id] },
                ebsOptions: { ebsEnabled: true, volumeType: "gp3", volumeSize: args.volumeGiB ?? 20 },
                encryptAtRest: { enabled: true, kmsKeyId: args.kmsKeyArn },
                nodeToNodeEncryption: { enabled: true },
                domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: searchTlsPolicy },
                advancedSecurityOptions: {
                    enabled: true,
                    anonymousAuthEnabled: false,
                    internalUserDatabaseEnabled: true,
                    masterUserOptions: { masterUserName: masterUser, masterUserPassword: pulumi.secret(masterPassword) },
                },
                // Auto-Tune is not offered on burstable (t) instances.
                autoTuneOptions: instanceType.startsWith("t") ? undefined : { desiredState: "ENABLED", rollbackOnDisable: "NO_ROLLBACK" },
                logPublishingOptions: logGroups.map(([logType, group]) => ({ logType, cloudwatchLogGroupArn: group.arn, enabled: true })),
                softwareUpdateOptions: { autoSoftwareUpdateEnabled: true },
                tags,
            },
            { parent: this, protect: production, dependsOn: [logPolicy, ...(serviceRole ? [serviceRole] : [])] },
        );

        // A separate policy resource: the policy names the domain's own ARN, which exists only after the domain.
        new aws.opensearch.DomainPolicy(
            name,
            {
                domainName: domain.domainName,
                accessPolicies: pulumi.all([domain.arn, pulumi.all(args.accessRoleArns ?? [])]).apply(([arn, roles]) =>
                    policyDocument([
                        {
                            Principal: { AWS: roles.length > 0 ? roles : "*" },
                            Action: ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"],
                            Resource: `${arn}/*`,
                        },
                    ]),
                ),
            },
            parent,
        );

        this.alarms = new ComponentAlarms(name, args.alarms, this, tags);
        // OpenSearch's metrics carry the domain's name and the account's id (ClientId), the fifth field of its ARN.
        const on = { namespace: "AWS/ES", dimensions: { DomainName: domain.domainName, ClientId: domain.arn.apply((arn) => arn.split(":")[4]) } };
        const logs = `the domain's error log group (${name}-errors), _cluster/allocation/explain`;
        this.alarms.metric(`${name}-red`, {
            ...on,
            kind: "searchRed",
            description: `${name}: the cluster is red, a primary shard is unassigned; searches fall back to PostgreSQL. Look at: ${logs}, free storage, the nodes' count`,
            metricName: "ClusterStatus.red",
            stat: "Maximum",
            comparison: "GreaterThanThreshold",
        });
        this.alarms.metric(`${name}-yellow`, {
            ...on,
            kind: "searchYellow",
            description: `${name}: the cluster stays yellow, a replica shard is unassigned (a one-node domain cannot place replicas). Look at: ${logs}, the index's replica count against the data nodes`,
            metricName: "ClusterStatus.yellow",
            stat: "Maximum",
            comparison: "GreaterThanThreshold",
        });
        this.alarms.metric(`${name}-jvm`, {
            ...on,
            kind: "searchJvmPressurePercent",
            description: `${name}: JVM memory pressure above the threshold; the node may reject requests or crash. Look at: heavy aggregations in the slow logs, shard count, a larger instance type`,
            metricName: "JVMMemoryPressure",
            stat: "Maximum",
            comparison: "GreaterThanThreshold",
        });
        this.alarms.metric(`${name}-storage`, {
            ...on,
            kind: "searchFreeStorageMiB",
            description: `${name}: a node's free storage below the threshold in MiB; OpenSearch blocks writes near full disks and the outbox backs up. Look at: index sizes (_cat/indices), old indices left by reindexing, the volume size`,
            metricName: "FreeStorageSpace",
            stat: "Minimum",
            comparison: "LessThanThreshold",
        });

        this.endpoint = pulumi.interpolate`https://${domain.endpoint}`;
        this.username = masterUser;
        this.domainArn = domain.arn;
        this.securityGroupId = securityGroup.id;
        this.masterUserSecretArn = secret.arn;
        this.masterPassword = pulumi.secret(masterPassword);
        this.registerOutputs({
            endpoint: this.endpoint,
            domainArn: this.domainArn,
            securityGroupId: this.securityGroupId,
            masterUserSecretArn: this.masterUserSecretArn,
        });
    }
}

function validate(name: string, args: SearchDomainArgs): void {
    const zones = args.subnetIds.length;
    const count = args.instanceCount ?? zones;
    new Problems()
        // Autonaming appends 8 characters, and domain names stop at 28.
        .check(
            !/^[a-z][a-z0-9-]{2,19}$/.test(name),
            `the name must be 3-20 lower-case letters, digits or hyphens, starting with a letter (got ${JSON.stringify(name)})`,
        )
        .check(!isIntIn(zones, 1, 3), `subnetIds must hold one subnet per zone, 1 to 3 (got ${zones})`)
        .check(!isIntIn(count, 1, 80), `instanceCount must be an integer from 1 to 80 (got ${count})`)
        .check(isIntIn(zones, 1, 3) && Number.isInteger(count) && count % zones !== 0, `instanceCount (${count}) must divide evenly over the ${zones} zones`)
        .check(
            args.instanceType !== undefined && !/\.search$/.test(args.instanceType),
            `instanceType must be an OpenSearch instance type such as r7g.large.search (got ${JSON.stringify(args.instanceType)})`,
        )
        .check(
            args.dedicatedMasterType !== undefined && !/\.search$/.test(args.dedicatedMasterType),
            `dedicatedMasterType must be an OpenSearch instance type (got ${JSON.stringify(args.dedicatedMasterType)})`,
        )
        .check(args.volumeGiB !== undefined && !isIntIn(args.volumeGiB, 10, 16384), `volumeGiB must be an integer from 10 to 16384 (got ${args.volumeGiB})`)
        .check(
            args.accessRoleArns !== undefined && args.accessRoleArns.length === 0,
            "accessRoleArns, when given, must name at least one role: the access policy would admit no one",
        )
        .check(admittedProblems(args, "domain").length > 0, admittedProblems(args, "domain").join("; "))
        .throwIfAny("SearchDomain", name);
}
