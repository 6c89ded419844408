import * as aws from "@pulumi/aws";
import { cacheEngines, RedisCache, RedisCacheArgs } from "../components/data/redis-cache";
import { InvalidArgsError } from "../components/validation";
import { refusal, run } from "./harness";

const GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const args: RedisCacheArgs = { vpcId: "vpc-1", subnetIds: ["s-1", "s-2"], allowedSecurityGroups: { app: "sg-app" } };

describe("RedisCache", () => {
    it("defaults to Valkey with a replica, Multi-AZ failover, encryption at rest and in transit, and an AUTH token", async () => {
        const r = await run(() => void new RedisCache("cache", args));
        expect(r.one(GROUP, "cache").inputs).toMatchObject({
            engine: "valkey",
            engineVersion: cacheEngines.valkey.version,
            clusterMode: "disabled",
            numCacheClusters: 2,
            automaticFailoverEnabled: true,
            multiAzEnabled: true,
            atRestEncryptionEnabled: true,
            transitEncryptionEnabled: true,
            transitEncryptionMode: "required",
            authToken: "[secret]",
            port: 6379,
            securityGroupIds: ["cache-id"],
            subnetGroupName: "cache",
            parameterGroupName: "cache",
        });
        expect(r.one("aws:secretsmanager/secretVersion:SecretVersion", "cache-auth").inputs.secretString).toBe("[secret]");
        expect(r.one("aws:elasticache/parameterGroup:ParameterGroup", "cache").inputs.family).toBe("valkey8");
    });

    it("delivers the slow log to CloudWatch Logs", async () => {
        const r = await run(() => void new RedisCache("cache", args));
        expect(r.one(GROUP, "cache").inputs.logDeliveryConfigurations).toEqual([
            { destination: "cache-slow-log", destinationType: "cloudwatch-logs", logFormat: "json", logType: "slow-log" },
        ]);
    });

    it("admits 6379 only from the named security groups", async () => {
        const r = await run(() => void new RedisCache("cache", args));
        expect(r.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((rule) => rule.inputs)).toEqual([
            expect.objectContaining({ referencedSecurityGroupId: "sg-app", fromPort: 6379, toPort: 6379, securityGroupId: "cache-id" }),
        ]);
    });

    it("runs a single node without failover when there is no replica", async () => {
        const r = await run(() => void new RedisCache("cache", { ...args, replicas: 0, engine: "redis" }));
        expect(r.one(GROUP, "cache").inputs).toMatchObject({ engine: "redis", numCacheClusters: 1, automaticFailoverEnabled: false, multiAzEnabled: false });
    });

    it("shards in cluster mode, with the cluster parameter set", async () => {
        const r = await run(() => void new RedisCache("cache", { ...args, shards: 3, replicas: 2 }));
        expect(r.one(GROUP, "cache").inputs).toMatchObject({ clusterMode: "enabled", numNodeGroups: 3, replicasPerNodeGroup: 2 });
        expect(r.one(GROUP, "cache").inputs.numCacheClusters).toBeUndefined();
        const parameters = r.one("aws:elasticache/parameterGroup:ParameterGroup", "cache").inputs.parameters;
        expect(parameters).toContainEqual({ name: "cluster-enabled", value: "yes" });
    });

    it("protects production data with a final snapshot and longer snapshot retention", async () => {
        const dev = await run(() => void new RedisCache("cache", args));
        expect(dev.one(GROUP, "cache")).toMatchObject({ protect: false, inputs: expect.objectContaining({ snapshotRetentionLimit: 1 }) });
        expect(dev.one(GROUP, "cache").inputs.finalSnapshotIdentifier).toBeUndefined();
        const prod = await run(() => void new RedisCache("cache", { ...args, production: true }));
        expect(prod.one(GROUP, "cache")).toMatchObject({
            protect: true,
            inputs: expect.objectContaining({ snapshotRetentionLimit: 7, finalSnapshotIdentifier: "cache-final" }),
        });
    });

    it("spans regions as a global datastore, a secondary per region through the caller's providers, admitting peered ranges", async () => {
        const r = await run(() => {
            const eu = new aws.Provider("eu", { region: "eu-west-1" });
            const cache = new RedisCache("cache", {
                ...args,
                nodeType: "cache.r7g.large",
                production: true,
                allowedCidrs: { "eu-west-1": "10.1.0.0/16" },
                secondaries: { "eu-west-1": { provider: eu, vpcId: "vpc-eu", subnetIds: ["e-1", "e-2"], allowedSecurityGroups: { app: "sg-eu" } } },
            });
            return { euEndpoint: cache.secondaryEndpoints["eu-west-1"] };
        });
        expect(r.one("aws:elasticache/globalReplicationGroup:GlobalReplicationGroup", "cache")).toMatchObject({
            protect: true,
            inputs: expect.objectContaining({ primaryReplicationGroupId: "cache-id" }),
        });
        const secondary = r.one(GROUP, "cache-eu-west-1");
        expect(secondary).toMatchObject({ region: "eu-west-1", protect: true });
        expect(secondary.inputs).toMatchObject({ numCacheClusters: 2, subnetGroupName: "cache-eu-west-1", securityGroupIds: ["cache-eu-west-1-id"] });
        expect(r.one("aws:ec2/securityGroup:SecurityGroup", "cache-eu-west-1").region).toBe("eu-west-1");
        expect(r.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "cache-from-eu-west-1").inputs).toMatchObject({
            cidrIpv4: "10.1.0.0/16",
            fromPort: 6379,
        });
        expect(r.outputs.euEndpoint).toBeDefined();
        // ElastiCache moves a global datastore's primary onto the datastore's parameter group: naming ours would be a diff forever.
        expect("parameterGroupName" in r.one(GROUP, "cache").inputs).toBe(false);
    });

    it("refuses bad arguments, naming each, before registering anything", async () => {
        const { error, registered } = await refusal(
            () =>
                new RedisCache("cache", {
                    ...args,
                    engine: "memcached" as never,
                    replicas: 0,
                    automaticFailover: true,
                    transitEncryption: false,
                    shards: 0,
                    nodeType: "t3.micro",
                    allowedSecurityGroups: {},
                }),
        );
        expect(error).toBeInstanceOf(InvalidArgsError);
        const problems = (error as InvalidArgsError).problems;
        for (const text of [
            "engine must be one of valkey, redis",
            "automaticFailover needs at least one replica",
            "shards must be",
            "an AUTH token requires transitEncryption",
            "nodeType",
            "allowedSecurityGroups",
        ]) {
            expect(problems.some((p) => p.includes(text))).toBe(true);
        }
        expect(problems).toHaveLength(6);
        expect(registered).toEqual([]);
    });
});
