import * as aws from "@pulumi/aws";
import { AuroraCluster, AuroraClusterArgs, auroraPostgresVersion } from "../components/data/aurora-cluster";
import { InvalidArgsError } from "../components/validation";
import { refusal, run } from "./harness";

const CLUSTER = "aws:rds/cluster:Cluster";
const INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
const args: AuroraClusterArgs = { vpcId: "vpc-1", subnetIds: ["s-1", "s-2"], allowedSecurityGroups: { app: "sg-app" } };

describe("AuroraCluster", () => {
    it("encrypts storage, forces TLS, keeps a generated password in Secrets Manager and sits in the given subnets", async () => {
        const r = await run(() => void new AuroraCluster("orders", args));
        expect(r.one(CLUSTER, "orders").inputs).toMatchObject({
            clusterIdentifier: "orders",
            engine: "aurora-postgresql",
            engineVersion: auroraPostgresVersion,
            storageEncrypted: true,
            masterPassword: "[secret]",
            iamDatabaseAuthenticationEnabled: true,
            dbSubnetGroupName: "orders",
            dbClusterParameterGroupName: "orders",
            vpcSecurityGroupIds: ["orders-id"],
            enabledCloudwatchLogsExports: ["postgresql"],
        });
        // Never RDS-managed (it rotates weekly behind the readers' back), and never the flag beside a password: the provider refuses both set, false included.
        expect("manageMasterUserPassword" in r.one(CLUSTER, "orders").inputs).toBe(false);
        expect(r.one("aws:secretsmanager/secretVersion:SecretVersion", "orders-master").inputs.secretString).toBe("[secret]");
        expect(r.one("aws:rds/subnetGroup:SubnetGroup", "orders").inputs.subnetIds).toEqual(["s-1", "s-2"]);
        const parameters = r.one("aws:rds/clusterParameterGroup:ClusterParameterGroup", "orders").inputs.parameters as { name: string; value: string }[];
        expect(parameters).toContainEqual(expect.objectContaining({ name: "rds.force_ssl", value: "1" }));
    });

    it("admits 5432 only from the named security groups, and opens nothing else", async () => {
        const r = await run(() => void new AuroraCluster("orders", { ...args, allowedSecurityGroups: { app: "sg-app", nginx: "sg-nginx" } }));
        const rules = r.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((rule) => rule.inputs);
        expect(rules).toEqual([
            expect.objectContaining({ securityGroupId: "orders-id", referencedSecurityGroupId: "sg-app", fromPort: 5432, toPort: 5432, ipProtocol: "tcp" }),
            expect.objectContaining({ securityGroupId: "orders-id", referencedSecurityGroupId: "sg-nginx", fromPort: 5432, toPort: 5432, ipProtocol: "tcp" }),
        ]);
        expect(rules.some((rule) => rule.cidrIpv4 !== undefined || rule.cidrIpv6 !== undefined)).toBe(false);
        expect(r.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")).toEqual([]);
    });

    it("is cheap and deletable in dev, protected with a final snapshot in production", async () => {
        const dev = await run(() => void new AuroraCluster("orders", args));
        expect(dev.one(CLUSTER, "orders")).toMatchObject({
            protect: false,
            inputs: expect.objectContaining({ deletionProtection: false, skipFinalSnapshot: true, backupRetentionPeriod: 1 }),
        });
        const prod = await run(() => void new AuroraCluster("orders", { ...args, production: true }));
        expect(prod.one(CLUSTER, "orders")).toMatchObject({
            protect: true,
            inputs: expect.objectContaining({
                deletionProtection: true,
                skipFinalSnapshot: false,
                finalSnapshotIdentifier: "orders-final",
                backupRetentionPeriod: 14,
            }),
        });
    });

    it("has a writer first in failover order, and keyed readers that keep their names when one is added in the middle", async () => {
        const before = await run(() => void new AuroraCluster("orders", { ...args, readers: { a: {}, c: { instanceClass: "db.r6g.xlarge" } } }));
        const after = await run(() => void new AuroraCluster("orders", { ...args, readers: { a: {}, b: {}, c: { instanceClass: "db.r6g.xlarge" } } }));
        const names = (r: typeof before) => r.ofType(INSTANCE).map((i) => i.urn);
        expect(names(after)).toEqual(expect.arrayContaining(names(before)));
        expect(names(after)).toHaveLength(4);
        const writer = after.one(INSTANCE, "orders-writer").inputs;
        expect(writer).toMatchObject({
            promotionTier: 0,
            publiclyAccessible: false,
            performanceInsightsEnabled: true,
            monitoringInterval: 60,
            clusterIdentifier: "orders-id",
        });
        expect(after.one(INSTANCE, "orders-reader-c").inputs).toMatchObject({ instanceClass: "db.r6g.xlarge", promotionTier: 1 });
    });

    it("autoscales readers by their count, never the writer, and accepts a minimum of zero", async () => {
        const r = await run(() => void new AuroraCluster("orders", { ...args, readerAutoscaling: { minReaders: 0, maxReaders: 4, metric: "connections" } }));
        expect(r.one("aws:appautoscaling/target:Target", "orders-readers").inputs).toMatchObject({
            serviceNamespace: "rds",
            scalableDimension: "rds:cluster:ReadReplicaCount",
            resourceId: "cluster:orders-id",
            minCapacity: 0,
            maxCapacity: 4,
        });
        const policy = r.one("aws:appautoscaling/policy:Policy", "orders-readers").inputs as {
            targetTrackingScalingPolicyConfiguration: Record<string, unknown>;
        };
        expect(policy.targetTrackingScalingPolicyConfiguration).toMatchObject({
            predefinedMetricSpecification: { predefinedMetricType: "RDSReaderAverageDatabaseConnections" },
            targetValue: 500,
        });
        expect(r.one(INSTANCE, "orders-writer")).toBeDefined();
    });

    it("runs Serverless v2 readers with the cluster's capacity range", async () => {
        const r = await run(
            () =>
                void new AuroraCluster("orders", {
                    ...args,
                    readers: { s1: { instanceClass: "db.serverless" } },
                    serverlessV2: { minCapacity: 0.5, maxCapacity: 16 },
                }),
        );
        expect(r.one(CLUSTER, "orders").inputs.serverlessv2ScalingConfiguration).toEqual({ minCapacity: 0.5, maxCapacity: 16 });
        expect(r.one(INSTANCE, "orders-reader-s1").inputs.instanceClass).toBe("db.serverless");
    });

    it("takes a credential shared with other clusters: its password, its secret for the clients, no secret of its own", async () => {
        const r = await run(
            () =>
                void new AuroraCluster("shard-0", {
                    ...args,
                    masterPassword: { password: "shared-password", secretArn: "arn:aws:secretsmanager:us-east-1:1:secret:shards" },
                }),
        );
        expect(r.one(CLUSTER, "shard-0").inputs.masterPassword).toBe("[secret]");
        expect("manageMasterUserPassword" in r.one(CLUSTER, "shard-0").inputs).toBe(false);
        expect(r.ofType("aws:secretsmanager/secret:Secret")).toEqual([]);
        const other = await run(() => ({
            secretArn: new AuroraCluster("shard-1", { ...args, masterPassword: { password: "p", secretArn: "arn:shards" } }).secretArn,
        }));
        expect(other.outputs.secretArn).toBe("arn:shards");
    });

    it("makes a global database from the cluster, with a read-only secondary cluster per region through the caller's providers", async () => {
        const r = await run(() => {
            const eu = new aws.Provider("eu", { region: "eu-west-1" });
            const ap = new aws.Provider("ap", { region: "ap-southeast-2" });
            const orders = new AuroraCluster("orders", {
                ...args,
                allowedCidrs: { "eu-west-1": "10.1.0.0/16" },
                production: true,
                instanceClass: "db.r6g.large",
                masterPassword: "generated",
                secondaries: {
                    "eu-west-1": {
                        provider: eu,
                        vpcId: "vpc-eu",
                        subnetIds: ["e-1", "e-2"],
                        allowedSecurityGroups: { app: "sg-eu-app" },
                        allowedCidrs: { "us-east-1": "10.0.0.0/16" },
                    },
                    "ap-southeast-2": { provider: ap, vpcId: "vpc-ap", subnetIds: ["a-1", "a-2"], allowedSecurityGroups: { app: "sg-ap-app" } },
                },
            });
            return { euReader: orders.secondaryReaderEndpoints["eu-west-1"] };
        });
        expect(r.one("aws:rds/globalCluster:GlobalCluster", "orders")).toMatchObject({
            protect: true,
            inputs: expect.objectContaining({ sourceDbClusterIdentifier: expect.stringContaining("orders"), deletionProtection: true }),
        });
        const secondary = r.one(CLUSTER, "orders-eu-west-1");
        expect(secondary).toMatchObject({ region: "eu-west-1", protect: true });
        expect(secondary.inputs).toMatchObject({ globalClusterIdentifier: "orders-id", storageEncrypted: true, dbSubnetGroupName: "orders-eu-west-1" });
        expect(secondary.inputs.masterUsername).toBeUndefined();
        expect(r.one(INSTANCE, "orders-eu-west-1-1")).toMatchObject({ region: "eu-west-1" });
        expect(r.one(CLUSTER, "orders-ap-southeast-2")).toMatchObject({ region: "ap-southeast-2" });
        expect(r.one(CLUSTER, "orders")).toMatchObject({ region: "us-east-1" });
        expect(r.outputs.euReader).toContain("orders-eu-west-1");
        // Each side admits the other region's VPC by range: security groups are not referenced across regions.
        expect(r.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "orders-from-eu-west-1").inputs).toMatchObject({
            cidrIpv4: "10.1.0.0/16",
            fromPort: 5432,
        });
        expect(r.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "orders-eu-west-1-from-us-east-1")).toMatchObject({
            region: "eu-west-1",
            inputs: expect.objectContaining({ cidrIpv4: "10.0.0.0/16" }),
        });
        expect(r.one(CLUSTER, "orders").inputs.masterPassword).toBe("[secret]");
        // Built from the primary's definition: a failover to a secondary changes nothing but the region.
        const same = ["engineVersion", "iamDatabaseAuthenticationEnabled", "backupRetentionPeriod", "preferredBackupWindow", "enabledCloudwatchLogsExports"];
        for (const key of same) expect([key, secondary.inputs[key]]).toEqual([key, r.one(CLUSTER, "orders").inputs[key]]);
        const parametersOf = (name: string) => r.one("aws:rds/clusterParameterGroup:ClusterParameterGroup", name).inputs.parameters;
        expect(parametersOf("orders-eu-west-1")).toEqual(parametersOf("orders"));
        expect(parametersOf("orders-eu-west-1")).toContainEqual({ name: "log_min_duration_statement", value: "500" });
        // An encrypted cross-region replica needs a key valid in its own region (RDS: InvalidParameterCombination).
        const key = r.one("aws:kms/key:Key", "orders-eu-west-1");
        expect(key).toMatchObject({ region: "eu-west-1", protect: true, inputs: expect.objectContaining({ enableKeyRotation: true }) });
        expect(secondary.inputs.kmsKeyId).toBe("arn:aws:mock::123456789012:aws:kms/key:Key/orders-eu-west-1");
        expect(r.one(INSTANCE, "orders-eu-west-1-1").inputs.performanceInsightsKmsKeyId).toBe(secondary.inputs.kmsKeyId);
        // Each region's exported logs land in a group of ours, made before the cluster, with a retention.
        for (const [cluster, region] of [
            ["orders", "us-east-1"],
            ["orders-eu-west-1", "eu-west-1"],
            ["orders-ap-southeast-2", "ap-southeast-2"],
        ]) {
            const group = r.one("aws:cloudwatch/logGroup:LogGroup", `${cluster}-postgresql`);
            expect(group).toMatchObject({ region, inputs: expect.objectContaining({ name: `/aws/rds/cluster/${cluster}/postgresql`, retentionInDays: 30 }) });
            expect(r.one(CLUSTER, cluster).inputs.clusterIdentifier).toBe(cluster);
            expect(r.one(CLUSTER, cluster).dependsOn).toContain(group.urn);
        }
    });

    it("applies a reader's change at deploy and never upgrades a minor version under the pin", async () => {
        const r = await run(
            () =>
                void new AuroraCluster("orders", {
                    ...args,
                    readers: { s1: { instanceClass: "db.serverless" } },
                    serverlessV2: { minCapacity: 0.5, maxCapacity: 16 },
                    logRetentionDays: 90,
                }),
        );
        // Without it, a reader's move to Serverless v2 waits for the maintenance window.
        expect(r.one(INSTANCE, "orders-reader-s1").inputs).toMatchObject({ applyImmediately: true, autoMinorVersionUpgrade: false });
        expect(r.one(INSTANCE, "orders-writer").inputs).toMatchObject({ autoMinorVersionUpgrade: false });
        expect(r.one(INSTANCE, "orders-writer").inputs.applyImmediately).toBeUndefined();
        expect(r.one("aws:cloudwatch/logGroup:LogGroup", "orders-postgresql").inputs.retentionInDays).toBe(90);
    });

    it("refuses bad arguments, naming each, before registering anything", async () => {
        const { error, registered } = await refusal(
            () =>
                new AuroraCluster("orders", {
                    ...args,
                    subnetIds: ["s-1"],
                    allowedSecurityGroups: {},
                    masterUsername: "postgres",
                    backupRetentionDays: 40,
                    readers: { a: { promotionTier: 16 }, b: { instanceClass: "db.serverless" } },
                    readerAutoscaling: { minReaders: 3, maxReaders: 2 },
                    instanceClass: "db.t4g.medium",
                    secondaries: {
                        "eu-west-1": {
                            provider: undefined as never,
                            vpcId: "v",
                            subnetIds: ["x"],
                            allowedSecurityGroups: { a: "b" },
                            allowedCidrs: { world: "0.0.0.0/0" },
                        },
                    },
                }),
        );
        expect(error).toBeInstanceOf(InvalidArgsError);
        const problems = (error as InvalidArgsError).problems;
        for (const field of [
            "allowedSecurityGroups",
            "subnetIds",
            "masterUsername postgres is reserved",
            "backupRetentionDays",
            "readers.a.promotionTier",
            "serverlessV2 capacity is required",
            "readerAutoscaling.maxReaders (2) must not be below minReaders (3)",
            "a global database (secondaries) needs a memory-optimized instance class such as db.r6g.large, not db.t4g.medium",
            "secondaries.eu-west-1.allowedCidrs.world must be an IPv4 range of /8 or narrower",
            "secondaries.eu-west-1.subnetIds must list subnets in at least two zones",
        ]) {
            expect(problems.some((p) => p.includes(field))).toBe(true);
        }
        expect(registered).toEqual([]);
        const named = await refusal(() => new AuroraCluster("Orders--db", { ...args, logRetentionDays: 0 }));
        for (const field of ["cluster identifiers", "Orders--db", "logRetentionDays"]) {
            expect(named.error.message).toContain(field);
        }
    });
});
