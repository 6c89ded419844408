import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, ResourceView, rules } from "../policy/rules";
import { projectRoot } from "../tools/project-root";

const view = (type: string, inputs: Record<string, unknown>, protect = true, name = "r"): ResourceView => ({ type, name, inputs, protect });
const problemsOf = (rule: string, resources: ResourceView[], environment: "dev" | "prod" = "prod") =>
    evaluate(resources, environment)
        .filter((v) => v.rule === rule)
        .map((v) => v.message);

/** Per rule: resources that break it, and resources that keep it. */
const cases: Record<string, { breaks: ResourceView[]; keeps: ResourceView[] }> = {
    "alarms-notify": {
        breaks: [
            view("aws:cloudwatch/metricAlarm:MetricAlarm", { alarmActions: [], tags: { alarm: "databaseCpuPercent" } }),
            view("aws:cloudwatch/metricAlarm:MetricAlarm", { tags: { alarm: "slo-availability-fast" } }),
            view("aws:cloudwatch/compositeAlarm:CompositeAlarm", { alarmActions: [] }),
        ],
        keeps: [
            view("aws:cloudwatch/metricAlarm:MetricAlarm", {
                alarmActions: ["arn:aws:sns:us-east-1:123456789012:shop"],
                tags: { alarm: "databaseCpuPercent" },
            }),
            // A window of a burn-rate alert: its composite alarm notifies.
            view("aws:cloudwatch/metricAlarm:MetricAlarm", { tags: { alarm: "slo-availability-fast-long" } }),
            view("aws:cloudwatch/compositeAlarm:CompositeAlarm", { alarmActions: ["arn:aws:sns:us-east-1:123456789012:shop"] }),
        ],
    },
    "alarm-topics-encrypted": {
        breaks: [view("aws:sns/topic:Topic", {}), view("aws:sns/topic:Topic", { kmsMasterKeyId: "alias/aws/sns" })],
        keeps: [view("aws:sns/topic:Topic", { kmsMasterKeyId: "arn:aws:kms:us-east-1:123456789012:key/shop" })],
    },
    "encryption-at-rest": {
        breaks: [
            view("aws:rds/cluster:Cluster", { storageEncrypted: false }),
            view("aws:ebs/volume:Volume", {}),
            view("aws:elasticache/replicationGroup:ReplicationGroup", { atRestEncryptionEnabled: false }),
            view("aws:opensearch/domain:Domain", { encryptAtRest: { enabled: false } }),
            view("aws:ec2/launchTemplate:LaunchTemplate", { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }] }),
        ],
        keeps: [
            view("aws:rds/cluster:Cluster", { storageEncrypted: true }),
            view("aws:ebs/volume:Volume", { encrypted: true }),
            // A global datastore's secondary takes encryption from its primary.
            view("aws:elasticache/replicationGroup:ReplicationGroup", { globalReplicationGroupId: "g" }),
            view("aws:ec2/launchTemplate:LaunchTemplate", { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true" } }] }),
        ],
    },
    "encryption-in-transit": {
        breaks: [
            view("aws:rds/clusterParameterGroup:ClusterParameterGroup", { family: "aurora-postgresql16", parameters: [{ name: "rds.force_ssl", value: "0" }] }),
            view("aws:elasticache/replicationGroup:ReplicationGroup", { transitEncryptionEnabled: false, atRestEncryptionEnabled: true }),
            view("aws:opensearch/domain:Domain", {
                encryptAtRest: { enabled: true },
                nodeToNodeEncryption: { enabled: true },
                domainEndpointOptions: { enforceHttps: false },
            }),
        ],
        keeps: [
            view("aws:rds/clusterParameterGroup:ClusterParameterGroup", { family: "aurora-postgresql16", parameters: [{ name: "rds.force_ssl", value: "1" }] }),
            view("aws:opensearch/domain:Domain", { nodeToNodeEncryption: { enabled: true }, domainEndpointOptions: { enforceHttps: true } }),
        ],
    },
    "no-world-ingress-but-listeners": {
        breaks: [
            view("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { cidrIpv4: "0.0.0.0/0", fromPort: 22, toPort: 22 }),
            view("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { cidrIpv6: "::/0", fromPort: 0, toPort: 65535 }),
            view("aws:ec2/securityGroup:SecurityGroup", { ingress: [{ cidrBlocks: ["0.0.0.0/0"], fromPort: 5432, toPort: 5432 }] }),
        ],
        keeps: [
            view("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { cidrIpv4: "0.0.0.0/0", fromPort: 443, toPort: 443 }),
            view("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { cidrIpv4: "10.0.0.0/16", fromPort: 5432, toPort: 5432 }),
        ],
    },
    imdsv2: {
        breaks: [view("aws:ec2/launchTemplate:LaunchTemplate", { metadataOptions: { httpTokens: "optional" } }), view("aws:ec2/instance:Instance", {})],
        keeps: [view("aws:ec2/launchTemplate:LaunchTemplate", { metadataOptions: { httpTokens: "required" } })],
    },
    "secrets-by-reference": {
        breaks: [
            view("aws:lambda/function:Function", { environment: { variables: { SHOP_DATABASE_PASSWORD_ORDERS: "x" } }, vpcConfig: { subnetIds: ["a"] } }),
            view("aws:lambda/function:Function", { environment: { variables: { SHOP_SECRET_REFS: "{}" } } }),
        ],
        keeps: [
            view("aws:lambda/function:Function", {
                environment: { variables: { SHOP_SECRET_REFS: "{}", SHOP_MODULES: "orders" } },
                vpcConfig: { subnetIds: ["a"] },
            }),
        ],
    },
    "no-public-data-endpoint": {
        breaks: [view("aws:rds/clusterInstance:ClusterInstance", { publiclyAccessible: true }), view("aws:opensearch/domain:Domain", {})],
        keeps: [view("aws:rds/clusterInstance:ClusterInstance", { publiclyAccessible: false })],
    },
    "eks-api-not-public": {
        breaks: [
            view("aws:eks/cluster:Cluster", { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }),
            view("aws:eks/cluster:Cluster", { vpcConfig: { endpointPublicAccess: true } }),
        ],
        keeps: [
            view("aws:eks/cluster:Cluster", { vpcConfig: { endpointPublicAccess: false } }),
            view("aws:eks/cluster:Cluster", { vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.0/24"] } }),
        ],
    },
    "required-tags": {
        breaks: [view("pulumi:providers:aws", { defaultTags: JSON.stringify({ tags: { project: "shop-evolution" } }) })],
        keeps: [view("pulumi:providers:aws", { defaultTags: JSON.stringify({ tags: { project: "p", environment: "prod", "managed-by": "pulumi" } }) })],
    },
    "prod-data-protected": {
        breaks: [
            view("aws:rds/cluster:Cluster", { storageEncrypted: true, deletionProtection: false, skipFinalSnapshot: true, backupRetentionPeriod: 1 }),
            view("aws:s3/bucket:Bucket", {}, false),
            view("aws:elasticache/replicationGroup:ReplicationGroup", {
                atRestEncryptionEnabled: true,
                transitEncryptionEnabled: true,
                multiAzEnabled: true,
                snapshotRetentionLimit: 1,
            }),
        ],
        keeps: [
            view(
                "aws:rds/cluster:Cluster",
                { storageEncrypted: true, deletionProtection: true, skipFinalSnapshot: false, backupRetentionPeriod: 14 },
                true,
                "orders",
            ),
            view("aws:rds/clusterInstance:ClusterInstance", { publiclyAccessible: false }, true, "orders-reader-1"),
        ],
    },
    "prod-multi-az": {
        breaks: [
            view("aws:elasticache/replicationGroup:ReplicationGroup", { multiAzEnabled: false }),
            view("aws:opensearch/domain:Domain", { clusterConfig: { zoneAwarenessEnabled: false } }),
            // A primary database with a writer alone.
            view("aws:rds/cluster:Cluster", {}, true, "lonely"),
        ],
        keeps: [view("aws:rds/cluster:Cluster", {}, true, "orders"), view("aws:rds/clusterInstance:ClusterInstance", {}, true, "orders-reader-1")],
    },
    "prod-backed-up": {
        breaks: [
            // A primary database no backup selection holds; a vault without a lock.
            view("aws:rds/cluster:Cluster", {}, true, "orders"),
            view("aws:backup/vault:Vault", {}, true, "shop-backup"),
        ],
        keeps: [
            view("aws:rds/cluster:Cluster", {}, true, "orders"),
            view("aws:backup/selection:Selection", { resources: ["arn:aws:rds:us-east-1:1:cluster:orders"] }, true, "shop-backup-resources"),
            view("aws:backup/vault:Vault", {}, true, "shop-backup"),
            view("aws:backup/vaultLockConfiguration:VaultLockConfiguration", {}, true, "shop-backup"),
        ],
    },
};

describe("the policy rules", () => {
    it("has a case for every rule", () => {
        expect(Object.keys(cases).sort()).toEqual(rules.map((r) => r.name).sort());
    });

    it.each(Object.keys(cases))("%s fails every resource that breaks it, and passes those that keep it", (rule) => {
        for (const resource of cases[rule].breaks) expect([resource.type, problemsOf(rule, [resource]).length > 0]).toEqual([resource.type, true]);
        expect(problemsOf(rule, cases[rule].keeps)).toEqual([]);
    });

    it("holds prod to everything, mandatory, and dev to all but the prod rules, advisory", () => {
        const unprotected = view("aws:rds/cluster:Cluster", { storageEncrypted: false, deletionProtection: false }, false, "db");
        expect(new Set(evaluate([unprotected], "prod").map((v) => v.level))).toEqual(new Set(["mandatory"]));
        const dev = evaluate([unprotected], "dev");
        expect(dev.map((v) => [v.rule, v.level])).toEqual([["encryption-at-rest", "advisory"]]);
    });

    it("configures dev's run of the pack as the offline plan runs it: advisory, without the prod rules", () => {
        const config = JSON.parse(fs.readFileSync(path.join(projectRoot, "policy/dev.json"), "utf8"));
        const prodOnly = rules.filter((r) => r.prodOnly).flatMap((r) => [r.name, ...(r.checkStack ? [`${r.name}-stack`] : [])]);
        expect(config).toEqual({ all: "advisory", ...Object.fromEntries(prodOnly.map((name) => [name, "disabled"])) });
    });

    it("runs over the offline plan: a compliant prod stack passes with exit status 0", () => {
        const result = spawnSync(process.execPath, ["tools/compiled.js", "tools/plan.ts", "--stack", "prod", "--stage", "15", "--policy", "--json"], {
            cwd: projectRoot,
            encoding: "utf8",
            // A whole stage's plan is more than spawnSync's default megabyte.
            maxBuffer: 64 * 1024 * 1024,
        });
        expect(result.status).toBe(0);
        expect(result.stderr.trim()).toBe("policy (prod: mandatory): 0 violation(s)");
        expect(JSON.parse(result.stdout).stage.number).toBe(15);
    }, 60_000);
});
