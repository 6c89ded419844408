import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stages as allStages } from "../stacks/registry";
import type { Plan } from "../tools/plan";
import { diffPlans } from "../tools/plan-diff";
import { statefulTypes } from "../policy/stateful-types";
import { evaluate } from "../policy/rules";
import { costOf } from "../tools/cost";
import { Registered } from "./harness";
import { sharedPlan } from "./support/shared-plans";
import { sharedDeployment } from "./support/shared-deployments";
import { kubernetesObjects, schemaProblems } from "./support/kubernetes-schema";

const stacks = ["dev", "prod"] as const;
const stages = allStages.map((s) => s.number);
const plans: Record<string, Plan> = {};
const planOf = (stack: string, stage: number) => plans[`${stack}-${stage}`];
const statefulOf = (plan: Plan) => plan.resources.filter((r) => statefulTypes.includes(r.type));

beforeAll(async () => {
    for (const stack of stacks) for (const stage of stages) plans[`${stack}-${stage}`] = await sharedPlan(stack, stage);
    // The run's thirty shared plans, computed once by the infra project's global setup.
}, 600_000);

describe("every composed stage", () => {
    it.each(stages.slice(1))("keeps every stateful resource of the stage before %i under the same URN (no replacement, no lost data)", (stage) => {
        for (const stack of stacks) {
            const next = new Set(planOf(stack, stage).resources.map((r) => r.urn));
            expect([
                stack,
                statefulOf(planOf(stack, stage - 1))
                    .filter((r) => !next.has(r.urn))
                    .map((r) => r.urn),
            ]).toEqual([stack, []]);
            // Nor changed in an input that would make the provider replace it.
            expect([stack, diffPlans(planOf(stack, stage - 1), planOf(stack, stage)).dataAtRisk.map((d) => `${d.resource.name}: ${d.why}`)]).toEqual([
                stack,
                [],
            ]);
        }
    });

    it.each(stages.slice(1).filter((stage) => stage < 4))(
        "keeps every resource of the stage before %i, stateful or not, while the single server serves",
        (stage) => {
            for (const stack of stacks) {
                const next = new Set(planOf(stack, stage).resources.map((r) => r.urn));
                expect([
                    stack,
                    planOf(stack, stage - 1)
                        .resources.filter((r) => !next.has(r.urn))
                        .map((r) => r.urn),
                ]).toEqual([stack, []]);
            }
        },
    );

    it.each(stages)("stage %i keeps every policy of the pack, in prod and in dev", (stage) => {
        for (const stack of stacks) {
            expect([stack, evaluate(planOf(stack, stage).resources, stack).map((v) => `${v.rule}: ${v.resource ?? ""} ${v.message}`)]).toEqual([stack, []]);
        }
    });

    it.each(stages)("stage %i is priced in full (costOf throws on a type, size or region it cannot price), and carries users, in dev and in prod", (stage) => {
        for (const stack of stacks) {
            const report = costOf(planOf(stack, stage));
            expect(report.atMinimum).toBeGreaterThan(0);
            expect(report.atLoad).toBeGreaterThan(report.atMinimum);
            expect(report.capacity.normal).toBeGreaterThan(0);
        }
    });

    it.each(stages)("stage %i protects every stateful resource in prod, and none in dev", (stage) => {
        expect(
            statefulOf(planOf("prod", stage))
                .filter((r) => !r.protect)
                .map((r) => r.name),
        ).toEqual([]);
        expect(
            statefulOf(planOf("dev", stage))
                .filter((r) => r.protect)
                .map((r) => r.name),
        ).toEqual([]);
    });
});

describe("prod's exposure to the internet", () => {
    it.each(stages)("stage %i opens nothing to the internet but the public entry's listener ports, and publishes no data endpoint", (stage) => {
        const plan = planOf("prod", stage);
        const world = plan.resources.filter((r) => {
            const rule = r.inputs as { cidrIpv4?: string; cidrIpv6?: string };
            return r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && (rule.cidrIpv4 === "0.0.0.0/0" || rule.cidrIpv6 === "::/0");
        });
        // The public entry: the single server (stages 1-3), then the edge load balancers; HTTP and HTTPS only.
        const entry = stage < 4 ? /^shop-server-https?(-v6)?$/ : /^shop-edge-[a-z0-9]+-in-(80|443)(-v6)?$/;
        expect(world.filter((r) => !entry.test(r.name) || ![80, 443].includes((r.inputs as { fromPort: number }).fromPort)).map((r) => r.name)).toEqual([]);
        expect(plan.resources.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && (r.inputs as { ingress?: unknown[] }).ingress?.length)).toEqual(
            [],
        );
        expect(
            plan.resources
                .filter((r) => r.type === "aws:lb/loadBalancer:LoadBalancer" && !(r.inputs as { internal: boolean }).internal)
                .map((r) => r.name)
                .every((n) => n.startsWith("shop-edge-")),
        ).toBe(true);
        expect(
            plan.resources.filter(
                (r) => r.type === "aws:rds/clusterInstance:ClusterInstance" && (r.inputs as { publiclyAccessible?: boolean }).publiclyAccessible !== false,
            ),
        ).toEqual([]);
        expect(
            plan.resources.filter(
                (r) => r.type === "aws:eks/cluster:Cluster" && (r.inputs as { vpcConfig: { endpointPublicAccess: boolean } }).vpcConfig.endpointPublicAccess,
            ),
        ).toEqual([]);
    });
});

describe("stage 2: the database on Aurora", () => {
    it("adds an Aurora cluster in the isolated subnets that admits only the application's group and the migration functions'", () => {
        for (const stack of ["dev", "prod"]) {
            const plan = planOf(stack, 2);
            const cluster = plan.resources.find((r) => r.type === "aws:rds/cluster:Cluster")!;
            expect(cluster.name).toBe("shop-db-us-east-1");
            const ingress = plan.resources.filter(
                (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.name.startsWith("shop-db-"),
            );
            expect(ingress.map((r) => r.name).sort()).toEqual([
                "shop-db-us-east-1-from-app",
                "shop-db-us-east-1-from-migrate-catalog",
                "shop-db-us-east-1-from-migrate-comments",
                "shop-db-us-east-1-from-migrate-orders",
                "shop-db-us-east-1-from-migrate-users",
            ]);
            expect(plan.resources.some((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name === "shop-app-us-east-1")).toBe(true);
        }
        expect(planOf("dev", 2).resources.find((r) => r.type === "aws:rds/clusterInstance:ClusterInstance")!.inputs).toMatchObject({
            instanceClass: "db.t4g.medium",
        });
    });

    it("sets Aurora's deletion protection in prod", () => {
        expect(planOf("prod", 2).resources.find((r) => r.type === "aws:rds/cluster:Cluster")!.inputs).toMatchObject({ deletionProtection: true });
    });

    it("runs the shop on the writer over verified TLS as each domain's role, the roles' passwords read from their secrets at boot", async () => {
        const registered = await sharedDeployment("dev", "2");
        const userData = (registered.one("aws:ec2/instance:Instance", "shop-server").inputs as { userData: string }).userData;
        for (const domain of ["catalog", "orders", "users"]) {
            expect(userData).toMatch(
                new RegExp(
                    `SHOP_DATABASE_URL_${domain.toUpperCase()}=postgres://shop_${domain}@shop-db-[^ ']+:5432/shop\\?sslmode=verify-full&sslrootcert=/etc/shop/rds-ca\\.pem`,
                ),
            );
            expect(userData).toMatch(
                new RegExp(`--secret-id '[^']*shop-role-${domain}-us-east-1'[^\\n]+\\nprintf '%s=%s\\\\n' SHOP_DATABASE_PASSWORD_${domain.toUpperCase()}`),
            );
        }
        expect(userData).toMatch(/SHOP_COMMENT_SHARD_URLS=postgres:\/\/shop_comments@shop-db-/);
        expect(userData).not.toContain("SHOP_DATABASE_URL=");
        expect(userData).not.toContain("-master");
        expect(userData).toContain("secretsmanager get-secret-value");
        expect(userData).toContain("NODE_EXTRA_CA_CERTS=/etc/shop/rds-ca.pem");
        expect(userData).not.toContain("--name shop-db");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-user-data-"));
        try {
            fs.writeFileSync(path.join(dir, "user-data.sh"), userData);
            expect(spawnSync("bash", ["-n", path.join(dir, "user-data.sh")], { encoding: "utf8" }).status).toBe(0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const secrets = JSON.parse((registered.one("aws:iam/rolePolicy:RolePolicy", "shop-server-secrets").inputs as { policy: string }).policy);
        expect(secrets.Statement).toEqual([
            {
                Effect: "Allow",
                Action: "secretsmanager:GetSecretValue",
                Resource: [
                    ...["catalog", "orders", "users", "comments"].map((d) => expect.stringContaining(`shop-role-${d}-us-east-1`)),
                    expect.stringContaining("shop-session-us-east-1"),
                ],
            },
        ]);
        // One session key for the stack, read at boot: a restart signs no one out, and every instance accepts every other's cookies.
        expect(userData).toMatch(/--secret-id '[^']*shop-session-us-east-1'[^\n]+\nprintf '%s=%s\\n' SHOP_SESSION_SECRET/);
    });
});

describe("stage 3: a shared cache", () => {
    it("adds a Valkey replication group in the isolated subnets, with replicas and failover in prod, admitting only the application's group", () => {
        const group = (stack: string) => planOf(stack, 3).resources.find((r) => r.type === "aws:elasticache/replicationGroup:ReplicationGroup")!;
        expect(group("dev").inputs).toMatchObject({ engine: "valkey", nodeType: "cache.t4g.micro", transitEncryptionEnabled: true });
        expect(group("prod").inputs).toMatchObject({ nodeType: "cache.r7g.large", automaticFailoverEnabled: true, multiAzEnabled: true });
        const ingress = planOf("dev", 3).resources.filter(
            (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.name.startsWith("shop-cache-"),
        );
        expect(ingress.map((r) => r.name)).toEqual(["shop-cache-us-east-1-from-app"]);
    });

    it("hands the shop the cache over TLS with its AUTH token from Secrets Manager, beside the database", async () => {
        const registered = await sharedDeployment("prod", "3");
        const userData = (registered.one("aws:ec2/instance:Instance", "shop-server").inputs as { userData: string }).userData;
        expect(userData).toMatch(/SHOP_REDIS_URL=rediss:\/\/[^ ']+:6379/);
        expect(userData).toMatch(
            /value=\$\(aws secretsmanager get-secret-value [^\n]+shop-cache-us-east-1-auth[^\n]+--output text\)\nprintf '%s=%s\\n' SHOP_REDIS_AUTH_TOKEN/,
        );
        expect(userData).toContain("SHOP_DATABASE_URL_ORDERS=postgres://shop_orders@");
        const egress = registered
            .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
            .filter((r) => r.name.startsWith("shop-server-vpc-"))
            .map((r) => r.name);
        expect(egress.sort()).toEqual(["shop-server-vpc-5432", "shop-server-vpc-6379"]);
    });
});

describe("stage 4: Nginx and application fleets behind load balancers", () => {
    it("puts a public ALB before the Nginx fleet, and an internal ALB before the application fleet", () => {
        for (const stack of stacks) {
            const plan = planOf(stack, 4);
            const lbs = plan.resources
                .filter((r) => r.type === "aws:lb/loadBalancer:LoadBalancer")
                .map((r) => [r.name, (r.inputs as { internal: boolean }).internal]);
            expect(lbs.sort()).toEqual([
                ["shop-edge-use1", false],
                ["shop-int-use1", true],
            ]);
            expect(plan.resources.some((r) => r.type === "shop:compute:NginxFleet")).toBe(true);
            expect(plan.resources.some((r) => r.type === "shop:compute:AppFleet")).toBe(true);
            // The single server is gone; its data volume stays, under the URN it had.
            expect(plan.resources.some((r) => r.type === "aws:ec2/instance:Instance")).toBe(false);
            const volume = plan.resources.find((r) => r.type === "aws:ebs/volume:Volume")!;
            expect(volume.urn).toBe(planOf(stack, 3).resources.find((r) => r.type === "aws:ebs/volume:Volume")!.urn);
        }
        const groups = (stack: string) =>
            planOf(stack, 4)
                .resources.filter((r) => r.type === "aws:autoscaling/group:Group")
                .map((r) => r.inputs as { minSize: number; maxSize: number });
        expect(groups("dev").every((g) => g.minSize === 1 && g.maxSize === 2)).toBe(true);
        expect(groups("prod").every((g) => g.minSize === 2 && g.maxSize === 10)).toBe(true);
    });

    it("runs the shop on the fleet with the whole contract: the writer over verified TLS, the cache, their secrets; Nginx resolves the internal ALB", async () => {
        const registered = await sharedDeployment("prod", "4");
        const templates = registered.ofType("aws:ec2/launchTemplate:LaunchTemplate");
        const userDataOf = (name: string) =>
            Buffer.from((templates.find((t) => t.name.startsWith(name))!.inputs as { userData: string }).userData, "base64").toString("utf8");
        const app = userDataOf("shop-app-fleet-us-east-1");
        expect(app).toMatch(/SHOP_DATABASE_URL_ORDERS=postgres:\/\/shop_orders@[^ ']+\?sslmode=verify-full&sslrootcert=\/etc\/shop\/rds-ca\.pem/);
        expect(app).toMatch(/SHOP_REDIS_URL=rediss:\/\//);
        expect(app).toContain("SHOP_DATABASE_PASSWORD_ORDERS");
        expect(app).toContain("SHOP_REDIS_AUTH_TOKEN");
        // The password's secret version: rotating the password (a new version) rolls the fleet.
        expect(app).toMatch(/# Secret versions read at boot: [^\n]*SHOP_DATABASE_PASSWORD_ORDERS=version-of-shop-role-orders-us-east-1/);
        expect(app).toContain("NODE_EXTRA_CA_CERTS=/etc/shop/rds-ca.pem");
        const nginx = userDataOf("shop-nginx-us-east-1");
        expect(nginx).toContain("set $shop_upstream http://shop-int-use1-dns.mock.elb.amazonaws.com:80;");
        const appTemplate = templates.find((t) => t.name.startsWith("shop-app-fleet-us-east-1"))!.inputs as { vpcSecurityGroupIds: string[] };
        expect(appTemplate.vpcSecurityGroupIds).toHaveLength(2);
    });
});

describe("stage 5: read replicas", () => {
    it("gives the same cluster readers (and reader autoscaling in prod) without touching the writer", () => {
        const instances = (stack: string) =>
            planOf(stack, 5)
                .resources.filter((r) => r.type === "aws:rds/clusterInstance:ClusterInstance")
                .map((r) => r.name);
        expect(instances("dev")).toEqual(["shop-db-us-east-1-writer", "shop-db-us-east-1-reader-1"]);
        expect(instances("prod")).toEqual(["shop-db-us-east-1-writer", "shop-db-us-east-1-reader-1", "shop-db-us-east-1-reader-2"]);
        const writer = (stage: number) => planOf("prod", stage).resources.find((r) => r.name === "shop-db-us-east-1-writer")!;
        expect(writer(5).urn).toBe(writer(4).urn);
        expect(writer(5).inputs).toEqual(writer(4).inputs);
        const scaling = planOf("prod", 5).resources.find((r) => r.type === "aws:appautoscaling/target:Target")!.inputs as {
            scalableDimension: string;
            minCapacity: number;
            maxCapacity: number;
        };
        expect(scaling).toMatchObject({ scalableDimension: "rds:cluster:ReadReplicaCount", minCapacity: 0, maxCapacity: 2 });
        expect(planOf("dev", 5).resources.some((r) => r.type === "aws:appautoscaling/target:Target")).toBe(false);
    });

    it("hands the shop the reader endpoint beside the writer, over the same verified TLS", async () => {
        const registered = await sharedDeployment("dev", "5");
        const template = registered.ofType("aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.name.startsWith("shop-app-fleet-us-east-1"))!;
        const userData = Buffer.from((template.inputs as { userData: string }).userData, "base64").toString("utf8");
        expect(userData).toMatch(
            /SHOP_DATABASE_READER_URLS_ORDERS=postgres:\/\/shop_orders@shop-db-us-east-1[^ ']*\.cluster-ro-mock\.[^ ']+\?sslmode=verify-full&sslrootcert=\/etc\/shop\/rds-ca\.pem/,
        );
        expect(userData).toMatch(/SHOP_DATABASE_URL_ORDERS=postgres:\/\/shop_orders@shop-db-us-east-1[^ ']*\.cluster-mock\./);
    });
});

/** The application fleet's first-boot script at a stage, decoded. */
async function appUserData(stack: "dev" | "prod", stage: string): Promise<string> {
    const registered = await sharedDeployment(stack, stage);
    const template = registered.ofType("aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.name.startsWith("shop-app-fleet-us-east-1"))!;
    return Buffer.from((template.inputs as { userData: string }).userData, "base64").toString("utf8");
}

describe("stage 6: a database per business domain", () => {
    it("moves catalog and users to clusters of their own, with readers, and keeps the orders on the first cluster", () => {
        for (const stack of stacks) {
            const clusters = planOf(stack, 6).resources.filter((r) => r.type === "aws:rds/cluster:Cluster");
            expect(clusters.map((c) => c.name)).toEqual(["shop-db-us-east-1", "shop-catalog-db-us-east-1", "shop-users-db-us-east-1"]);
            expect(clusters[0].urn).toBe(planOf(stack, 5).resources.find((r) => r.name === "shop-db-us-east-1" && r.type === "aws:rds/cluster:Cluster")!.urn);
            const readers = planOf(stack, 6).resources.filter(
                (r) => r.type === "aws:rds/clusterInstance:ClusterInstance" && r.name.startsWith("shop-catalog-db-") && r.name.includes("-reader-"),
            );
            expect(readers).toHaveLength(stack === "dev" ? 1 : 2);
        }
    });

    it("hands the shop each domain's writer and readers as its role, and the role's password; the orders stay on the first cluster, the comments with the catalog", async () => {
        const userData = await appUserData("dev", "6");
        for (const domain of ["catalog", "users"]) {
            const upper = domain.toUpperCase();
            expect(userData).toMatch(
                new RegExp(`SHOP_DATABASE_URL_${upper}=postgres://shop_${domain}@shop-${domain}-db-us-east-1[^ ']*\\.cluster-mock\\.[^ ']+sslmode=verify-full`),
            );
            expect(userData).toMatch(
                new RegExp(`SHOP_DATABASE_READER_URLS_${upper}=postgres://shop_${domain}@shop-${domain}-db-us-east-1[^ ']*\\.cluster-ro-mock\\.`),
            );
            expect(userData).toMatch(
                new RegExp(`--secret-id '[^']*shop-role-${domain}-us-east-1'[^\\n]+\\nprintf '%s=%s\\\\n' SHOP_DATABASE_PASSWORD_${upper}`),
            );
        }
        expect(userData).toMatch(/SHOP_DATABASE_URL_ORDERS=postgres:\/\/shop_orders@shop-db-us-east-1[^ ']*\.cluster-mock\./);
        expect(userData).toMatch(/SHOP_COMMENT_SHARD_URLS=postgres:\/\/shop_comments@shop-catalog-db-us-east-1[^ ',]*\.cluster-mock\.[^ ',]+'/);
        expect(userData).not.toContain("SHOP_DATABASE_URL=");
    });
});

describe("stage 7: comment shards", () => {
    it("adds the configured shard clusters, writer-only in dev and with a failover reader in prod, sharing one credential", () => {
        const shards = (stack: string) => planOf(stack, 7).resources.filter((r) => r.type === "aws:rds/cluster:Cluster" && r.name.startsWith("shop-comments-"));
        expect(shards("dev").map((c) => c.name)).toEqual(["shop-comments-0-us-east-1", "shop-comments-1-us-east-1"]);
        expect(shards("prod")).toHaveLength(4);
        for (const stack of stacks) {
            // The password is the shared credential's, known only after apply in a plan.
            for (const shard of shards(stack)) expect(shard.inputs).toMatchObject({ masterPassword: "(known after apply)", storageEncrypted: true });
            expect(shards(stack).every((shard) => !("manageMasterUserPassword" in shard.inputs))).toBe(true);
            const instances = planOf(stack, 7).resources.filter(
                (r) => r.type === "aws:rds/clusterInstance:ClusterInstance" && r.name.startsWith("shop-comments-0-"),
            );
            expect(instances.map((i) => i.name)).toEqual(
                stack === "dev" ? ["shop-comments-0-us-east-1-writer"] : ["shop-comments-0-us-east-1-writer", "shop-comments-0-us-east-1-reader-1"],
            );
        }
        expect(
            planOf("prod", 7)
                .resources.filter((r) => r.name === "shop-comments-us-east-1-master")
                .every((r) => r.protect),
        ).toBe(true);
    });

    it("hands the shop the shards' writers in shard order as the comments' role, and the role's password", async () => {
        const userData = await appUserData("dev", "7");
        const urls = /SHOP_COMMENT_SHARD_URLS=([^']+)'/.exec(userData)![1].split(",");
        expect(urls.map((u) => /@(shop-comments-\d)-/.exec(u)![1])).toEqual(["shop-comments-0", "shop-comments-1"]);
        expect(urls.every((u) => u.startsWith("postgres://shop_comments@") && u.endsWith("sslmode=verify-full&sslrootcert=/etc/shop/rds-ca.pem"))).toBe(true);
        expect(userData).toMatch(/--secret-id '[^']*shop-role-comments-us-east-1'[^\n]+\nprintf '%s=%s\\n' SHOP_COMMENT_SHARD_PASSWORD/);
    });
});

describe("stage 8: a layer-4 balancer before the Nginx fleet", () => {
    it("turns the public entry into a Network Load Balancer under the same name, proxy protocol to Nginx, health on a plain port", () => {
        for (const stack of stacks) {
            const plan = planOf(stack, 8);
            const edge = plan.resources.find((r) => r.type === "aws:lb/loadBalancer:LoadBalancer" && r.name === "shop-edge-use1")!;
            expect(edge.inputs).toMatchObject({ loadBalancerType: "network", internal: false });
            const group = plan.resources.find((r) => r.type === "aws:lb/targetGroup:TargetGroup" && r.name.startsWith("shop-edge-use1"))!;
            expect(group.inputs).toMatchObject({
                protocol: "TCP",
                port: 80,
                proxyProtocolV2: true,
                healthCheck: expect.objectContaining({ port: "8081", path: "/healthz" }),
            });
            // The edge's access-log bucket stays where stage 4 made it.
            const bucket = (stage: number) =>
                planOf(stack, stage).resources.find((r) => r.type === "aws:s3/bucket:Bucket" && r.name.startsWith("shop-edge-use1"))!.urn;
            expect(bucket(8)).toBe(bucket(7));
            const ingress = plan.resources.filter(
                (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.name.startsWith("shop-nginx-us-east-1-"),
            );
            expect(ingress.map((r) => [r.name, (r.inputs as { fromPort: number }).fromPort]).sort()).toEqual([
                ["shop-nginx-us-east-1-from-edge", 80],
                ["shop-nginx-us-east-1-health-from-edge", 8081],
            ]);
        }
    });

    it("renders Nginx for proxy protocol, trusting the client address only from the VPC", async () => {
        const registered = await sharedDeployment("dev", "8");
        const template = registered.ofType("aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.name.startsWith("shop-nginx-us-east-1"))!;
        const userData = Buffer.from((template.inputs as { userData: string }).userData, "base64").toString("utf8");
        expect(userData).toContain("listen 80 proxy_protocol");
        expect(userData).toContain("real_ip_header proxy_protocol;");
        expect(userData).toContain("set_real_ip_from 10.0.0.0/16;");
        expect(userData).toContain("listen 8081");
    });
});

describe("the shop's public name (stage 4 on, with a domain)", () => {
    it("serves HTTPS with an ACM certificate of its region and points the name at the region's load balancer", async () => {
        const plan = planOf("dev", 4);
        expect(plan.resources.find((r) => r.type === "aws:acm/certificate:Certificate")).toMatchObject({
            name: "shop-site-us-east-1",
            inputs: expect.objectContaining({ domainName: "shop-dev.example.com" }),
        });
        const listeners = plan.resources
            .filter((r) => r.type === "aws:lb/listener:Listener" && r.name.startsWith("shop-edge-"))
            .map((r) => r.inputs as { port: number; protocol: string });
        expect(listeners.map((l) => [l.port, l.protocol]).sort()).toEqual([
            [443, "HTTPS"],
            [80, "HTTP"],
        ]);
        const records = plan.resources.filter((r) => r.type === "aws:route53/record:Record" && r.name.startsWith("shop-dns-"));
        expect(records.map((r) => [r.name, (r.inputs as { name: string }).name])).toEqual([["shop-dns-us-east-1", "shop-dev.example.com"]]);
        expect(plan.outputs.url).toBe("https://shop-dev.example.com");
    });
});

describe("stage 9: DNS across regions", () => {
    const prod = () => planOf("prod", 9);
    const inRegion = (region: string, type: string) => prod().resources.filter((r) => r.type === type && r.region === region);

    it("deploys a cell per region and weights the name over both, each with a health check", () => {
        const records = prod().resources.filter((r) => r.type === "aws:route53/record:Record" && r.name.startsWith("shop-dns-"));
        expect(
            records.map((r) => [
                r.name,
                (r.inputs as { setIdentifier: string }).setIdentifier,
                (r.inputs as { weightedRoutingPolicies: { weight: number }[] }).weightedRoutingPolicies[0].weight,
            ]),
        ).toEqual([
            ["shop-dns-us-east-1", "us-east-1", 100],
            ["shop-dns-eu-west-1", "eu-west-1", 100],
        ]);
        expect(
            prod()
                .resources.filter((r) => r.type === "aws:route53/healthCheck:HealthCheck")
                .map((r) => r.inputs),
        ).toEqual([
            expect.objectContaining({ type: "HTTPS", port: 443, resourcePath: "/readyz" }),
            expect.objectContaining({ type: "HTTPS", port: 443, resourcePath: "/readyz" }),
        ]);
        for (const region of ["us-east-1", "eu-west-1"]) {
            expect(inRegion(region, "aws:autoscaling/group:Group")).toHaveLength(2);
            expect(inRegion(region, "aws:lb/loadBalancer:LoadBalancer")).toHaveLength(2);
            expect(inRegion(region, "aws:acm/certificate:Certificate")).toHaveLength(1);
        }
        expect(inRegion("eu-west-1", "aws:ec2/vpc:Vpc").map((v) => (v.inputs as { cidrBlock: string }).cidrBlock)).toEqual(["10.1.0.0/16"]);
        // Dev runs one region.
        expect(planOf("dev", 9).resources.filter((r) => r.type === "aws:route53/record:Record" && r.name.startsWith("shop-dns-"))).toHaveLength(1);
    });

    it("makes every home cluster and the cache global in prod, with protected read-only copies in the other region", () => {
        const globals = prod()
            .resources.filter((r) => r.type === "aws:rds/globalCluster:GlobalCluster")
            .map((r) => r.name);
        expect(globals).toEqual([
            "shop-db-us-east-1",
            "shop-catalog-db-us-east-1",
            "shop-users-db-us-east-1",
            ...[0, 1, 2, 3].map((n) => `shop-comments-${n}-us-east-1`),
        ]);
        const secondaries = inRegion("eu-west-1", "aws:rds/cluster:Cluster");
        expect(secondaries.map((c) => c.name)).toEqual(globals.map((g) => `${g}-eu-west-1`));
        expect(secondaries.every((c) => c.protect)).toBe(true);
        expect(prod().resources.find((r) => r.type === "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup")).toMatchObject({
            name: "shop-cache-us-east-1",
            protect: true,
        });
        expect(inRegion("eu-west-1", "aws:elasticache/replicationGroup:ReplicationGroup").map((g) => g.name)).toEqual(["shop-cache-us-east-1-eu-west-1"]);
        // The home clusters' passwords are the program's, as at every stage.
        expect(prod().resources.find((r) => r.type === "aws:rds/cluster:Cluster" && r.name === "shop-db-us-east-1")!.inputs).toMatchObject({
            masterPassword: "(known after apply)",
        });
    });

    it("peers the other region with home, and admits it by range on the home writers and cache only", () => {
        expect(prod().resources.find((r) => r.type === "aws:ec2/vpcPeeringConnection:VpcPeeringConnection")).toMatchObject({
            name: "shop-us-east-1-eu-west-1",
            inputs: expect.objectContaining({ peerRegion: "eu-west-1" }),
        });
        const byRange = inRegion("us-east-1", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
            (r) => (r.inputs as { cidrIpv4?: string }).cidrIpv4 === "10.1.0.0/16",
        );
        expect(byRange.every((r) => [5432, 6379].includes((r.inputs as { fromPort: number }).fromPort))).toBe(true);
        expect(byRange.map((r) => r.name)).toContain("shop-db-us-east-1-from-eu-west-1");
        expect(byRange.map((r) => r.name)).toContain("shop-cache-us-east-1-from-eu-west-1");
    });

    it("points the other region's shop at the home writers and primary cache, and at its own region's readers", async () => {
        const registered = await sharedDeployment("prod", "9");
        const template = registered.ofType("aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.name.startsWith("shop-app-fleet-eu-west-1"))!;
        const userData = Buffer.from((template.inputs as { userData: string }).userData, "base64").toString("utf8");
        expect(userData).toMatch(/SHOP_DATABASE_URL_ORDERS=postgres:\/\/shop_orders@shop-db-us-east-1\.cluster-mock\.us-east-1\./);
        expect(userData).toMatch(/SHOP_DATABASE_READER_URLS_ORDERS=postgres:\/\/shop_orders@shop-db-us-east-1-eu-west-1\.cluster-ro-mock\.eu-west-1\./);
        expect(userData).toMatch(
            /SHOP_DATABASE_READER_URLS_CATALOG=postgres:\/\/shop_catalog@shop-catalog-db-us-east-1-eu-west-1\.cluster-ro-mock\.eu-west-1\./,
        );
        expect(userData).toMatch(/SHOP_REDIS_URL=rediss:\/\/master\.shop-cache-us-east-1\.mock\.us-east-1\./);
        expect(userData).toContain("SHOP_REGION=eu-west-1");
        // Secrets are read where they live, in the home region.
        expect(userData).toMatch(/--region 'us-east-1' --secret-id 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-role-orders-us-east-1'/);
        const egress = registered
            .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
            .filter((r) => r.name.startsWith("shop-app-fleet-eu-west-1-out-") && r.name.endsWith("-us-east-1"));
        expect(egress.map((r) => [r.name, (r.inputs as { cidrIpv4: string }).cidrIpv4])).toEqual([
            ["shop-app-fleet-eu-west-1-out-5432-us-east-1", "10.0.0.0/16"],
            ["shop-app-fleet-eu-west-1-out-6379-us-east-1", "10.0.0.0/16"],
        ]);
    });
});

describe("stage 10: search and media", () => {
    it("adds an OpenSearch domain in the home region, three zones with dedicated masters in prod and one node in dev, and a media bucket", () => {
        const domain = (stack: string) => planOf(stack, 10).resources.find((r) => r.type === "aws:opensearch/domain:Domain")!;
        expect(domain("prod")).toMatchObject({ name: "shop-search-use1", region: "us-east-1", protect: true });
        expect(domain("prod").inputs).toMatchObject({
            clusterConfig: expect.objectContaining({
                instanceType: "r7g.large.search",
                instanceCount: 3,
                zoneAwarenessEnabled: true,
                dedicatedMasterEnabled: true,
            }),
            encryptAtRest: expect.objectContaining({ enabled: true }),
            nodeToNodeEncryption: { enabled: true },
            domainEndpointOptions: expect.objectContaining({ enforceHttps: true }),
        });
        expect(domain("dev").inputs).toMatchObject({
            clusterConfig: expect.objectContaining({ instanceType: "t3.medium.search", instanceCount: 1, zoneAwarenessEnabled: false }),
        });
        const media = planOf("prod", 10).resources.find((r) => r.type === "aws:s3/bucket:Bucket" && r.name === "shop-media-us-east-1")!;
        expect(media).toMatchObject({ protect: true, retainOnDelete: true });
        expect(
            planOf("prod", 10).resources.find((r) => r.type === "aws:s3/bucketVersioning:BucketVersioning" && r.name === "shop-media-us-east-1")!.inputs,
        ).toMatchObject({ versioningConfiguration: { status: "Enabled" } });
        const ingress = planOf("prod", 10).resources.filter(
            (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.name.startsWith("shop-search-use1-"),
        );
        expect(ingress.map((r) => r.name).sort()).toEqual([
            "shop-search-use1-from-app",
            "shop-search-use1-from-eu-west-1",
            "shop-search-use1-from-migrate-catalog",
        ]);
    });

    it("hands every region's shop the domain's URL with the shop's application user, and that user's password, never the master user's", async () => {
        const userData = await appUserData("dev", "10");
        expect(userData).toMatch(/SHOP_SEARCH_URL=https:\/\/shop_search@[^ ']+'/);
        expect(userData).toMatch(/--secret-id '[^']*shop-search-user-us-east-1'[^\n]+\nprintf '%s=%s\\n' SHOP_SEARCH_PASSWORD/);
        expect(userData).not.toContain("shop-search-use1-master");
    });

    it("hands the shop the media bucket, and its instances' and pods' roles exactly the rights on the product pictures", async () => {
        const registered = await sharedDeployment("dev", "10");
        const userData = fleetUserData(registered, "shop-app-fleet-us-east-1");
        expect(userData).toMatch(/'SHOP_MEDIA_BUCKET=shop-media-us-east-1[^']*'/);
        expect(userData).toContain("'SHOP_MEDIA_REGION=us-east-1'");
        const media = [
            {
                Effect: "Allow",
                Sid: "ProductPictures",
                Action: ["s3:GetObject", "s3:PutObject"],
                Resource: expect.stringMatching(/shop-media-us-east-1\/products\/\*$/),
            },
            {
                Effect: "Allow",
                Sid: "ListProductPictures",
                Action: "s3:ListBucket",
                Resource: expect.stringMatching(/shop-media-us-east-1$/),
                Condition: { StringLike: { "s3:prefix": "products/*" } },
            },
        ];
        const fleetPolicy = JSON.parse(registered.one("aws:iam/rolePolicy:RolePolicy", "shop-app-fleet-us-east-1").inputs.policy as string);
        expect(fleetPolicy.Statement.filter((s: { Action: string | string[] }) => JSON.stringify(s.Action).includes("s3:"))).toEqual(media);

        const kubernetes = await sharedDeployment("dev", "14");
        // On Kubernetes the media are the catalog's: only its pods get the rights, and the storefront's the reading of the pictures
        // its pages link to; every pod reads the flags.
        const podPolicy = JSON.parse(kubernetes.one("aws:iam/rolePolicy:RolePolicy", "shop-catalog-us-east-1-pods").inputs.policy as string);
        expect(podPolicy.Statement.filter((s: { Action: string | string[] }) => JSON.stringify(s.Action).includes("s3:"))).toEqual(media);
        expect(kubernetes.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "shop-catalog-us-east-1-pods").inputs).toMatchObject({
            serviceAccount: "shop-catalog",
            namespace: "shop",
        });
        const withMedia = kubernetes
            .ofType("aws:iam/rolePolicy:RolePolicy")
            .filter((r) => r.name.endsWith("-pods") && String(r.inputs.policy).includes("s3:"))
            .map((r) => r.name)
            .sort();
        expect(withMedia).toEqual(["shop-catalog-us-east-1-pods", "shop-us-east-1-pods"]);
        const storefrontPolicy = JSON.parse(kubernetes.one("aws:iam/rolePolicy:RolePolicy", "shop-us-east-1-pods").inputs.policy as string);
        expect(storefrontPolicy.Statement.filter((s: { Action: string | string[] }) => JSON.stringify(s.Action).includes("s3:"))).toEqual([
            { Effect: "Allow", Sid: "ReadProductPictures", Action: "s3:GetObject", Resource: expect.stringMatching(/shop-media-us-east-1\/products\/\*$/) },
        ]);
    });
});

/** The first-boot script of a fleet in a registered run, decoded. */
function fleetUserData(registered: Registered, fleet: string): string {
    const template = registered.ofType("aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.name === fleet)!;
    return Buffer.from((template.inputs as { userData: string }).userData, "base64").toString("utf8");
}

describe("stage 11: applications per business line, configuration in SSM", () => {
    it("runs the storefront and trade as fleets of their own, the internal ALB sending trade its API paths", () => {
        const plan = planOf("dev", 11);
        expect(plan.resources.filter((r) => r.type === "shop:compute:AppFleet").map((r) => r.name)).toEqual([
            "shop-app-fleet-us-east-1",
            "shop-trade-fleet-us-east-1",
        ]);
        const rules = plan.resources
            .filter((r) => r.type === "aws:lb/listenerRule:ListenerRule")
            .map((r) => r.inputs as { conditions: { pathPattern: { values: string[] } }[]; actions: { targetGroupArn: string }[] });
        const paths = rules.flatMap((r) => r.conditions[0].pathPattern.values).sort();
        expect(paths).toEqual([
            "/api/cart",
            "/api/cart/items",
            "/api/cart/items/*",
            "/api/checkout",
            "/api/orders",
            "/api/orders/*",
            "/api/session",
            "/api/users",
            // The users service's internal routes, for the storefront's sign-in and registration.
            "/internal/users",
            "/internal/users/authentication",
        ]);
        expect(
            plan.resources
                .filter((r) => r.type === "aws:lb/targetGroup:TargetGroup" && r.name.startsWith("shop-int-"))
                .map((r) => r.name)
                .sort(),
        ).toEqual(["shop-int-use1-app", "shop-int-use1-trade"]);
    });

    it("keeps the shared topology in SSM Parameter Store, which every fleet reads at boot; each fleet's own script names only its modules", async () => {
        const registered = await sharedDeployment("dev", "11");
        const parameters = registered.ofType("aws:ssm/parameter:Parameter").map((p) => (p.inputs as { name: string }).name);
        expect(parameters).toEqual(
            expect.arrayContaining([
                "/shop-evolution/dev/us-east-1/SHOP_MIGRATIONS",
                "/shop-evolution/dev/us-east-1/SHOP_REDIS_URL",
                "/shop-evolution/dev/us-east-1/SHOP_REGION",
            ]),
        );
        const trade = fleetUserData(registered, "shop-trade-fleet-us-east-1");
        expect(trade).toContain("'SHOP_MODULES=cart,orders,payments,users'");
        expect(trade).toContain("aws ssm get-parameters-by-path --region 'us-east-1' --path '/shop-evolution/dev/us-east-1' --recursive");
        expect(trade).not.toContain("SHOP_DATABASE_URL=");
        // Each fleet's own script names its domains' stores, and no other's: SSM holds only what every fleet shares.
        expect(parameters.filter((name) => /SHOP_(DATABASE_(URL|READER_URLS|PASSWORD)|COMMENT_|SEARCH_|MEDIA_)/.test(name))).toEqual([]);
        const storefront = fleetUserData(registered, "shop-app-fleet-us-east-1");
        const variables = (script: string) =>
            [...new Set([...script.matchAll(/'(SHOP_[A-Z_]+)=|printf '%s=%s\\n' (SHOP_[A-Z_]+)/g)].map((m) => m[1] ?? m[2]))].sort();
        expect(variables(trade)).toEqual([
            "SHOP_DATABASE_PASSWORD_ORDERS",
            "SHOP_DATABASE_PASSWORD_USERS",
            "SHOP_DATABASE_READER_URLS_ORDERS",
            "SHOP_DATABASE_READER_URLS_USERS",
            "SHOP_DATABASE_URL_ORDERS",
            "SHOP_DATABASE_URL_USERS",
            "SHOP_MODULES",
            "SHOP_REDIS_AUTH_TOKEN",
            // Checkout reserves stock through the catalog's API, which the storefront's fleet serves.
            "SHOP_SERVICE_URL_CATALOG",
            "SHOP_SESSION_SECRET",
        ]);
        // The storefront's fleet owns the catalog and the comments; its pages' orders and accounts are trade's, reached on the internal ALB.
        expect(variables(storefront)).toEqual([
            "SHOP_COMMENT_SHARD_PASSWORD",
            "SHOP_COMMENT_SHARD_URLS",
            "SHOP_DATABASE_PASSWORD_CATALOG",
            "SHOP_DATABASE_READER_URLS_CATALOG",
            "SHOP_DATABASE_URL_CATALOG",
            "SHOP_MEDIA_BUCKET",
            "SHOP_MEDIA_REGION",
            "SHOP_MODULES",
            "SHOP_REDIS_AUTH_TOKEN",
            "SHOP_SEARCH_PASSWORD",
            "SHOP_SEARCH_URL",
            "SHOP_SERVICE_URL_ORDERS",
            "SHOP_SERVICE_URL_USERS",
            "SHOP_SESSION_SECRET",
        ]);
        for (const module of ["ORDERS", "USERS"]) expect(storefront).toContain(`'SHOP_SERVICE_URL_${module}=http://shop-int-use1-dns.mock.elb.amazonaws.com'`);
        expect(storefront).toContain("'SHOP_MODULES=web,catalog,search,comments'");
        const policy = JSON.parse(registered.one("aws:iam/rolePolicy:RolePolicy", "shop-trade-fleet-us-east-1").inputs.policy as string);
        expect(policy.Statement).toContainEqual({
            Effect: "Allow",
            Action: "ssm:GetParametersByPath",
            Resource: [
                "arn:aws:ssm:us-east-1:123456789012:parameter/shop-evolution/dev/us-east-1",
                "arn:aws:ssm:us-east-1:123456789012:parameter/shop-evolution/dev/us-east-1/*",
            ],
        });
        // A changed value rolls the fleets: its digest is in every script.
        expect(trade).toMatch(/Shared configuration from SSM Parameter Store, version [0-9a-f]{16}\./);
    });
});

describe("stages 12-13: services, then one gateway", () => {
    it("puts the shared services behind an ALB of their own, which only it reaches, and lets the entry's gateway call them", async () => {
        const plan = planOf("prod", 12);
        const fleets = plan.resources.filter((r) => r.type === "shop:compute:AppFleet").map((r) => r.name);
        expect(fleets).toEqual(
            expect.arrayContaining(["shop-app-fleet-us-east-1", "shop-users-fleet-us-east-1", "shop-orders-fleet-us-east-1", "shop-cart-fleet-us-east-1"]),
        );
        const registered = await sharedDeployment("dev", "12");
        const entry = fleetUserData(registered, "shop-app-fleet-us-east-1");
        expect(entry).toContain("'SHOP_MODULES=gateway,web,catalog,search,comments'");
        for (const module of ["USERS", "ORDERS", "CART"])
            expect(entry).toContain(`'SHOP_SERVICE_URL_${module}=http://shop-svc-use1-dns.mock.elb.amazonaws.com'`);
        const from = (fleet: string) =>
            registered
                .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                .filter((r) => r.name === `${fleet}-from-lb`)
                .map((r) => (r.inputs as { referencedSecurityGroupId: string }).referencedSecurityGroupId);
        expect(from("shop-users-fleet-us-east-1")).toEqual(["shop-svc-use1-id"]);
        expect(from("shop-app-fleet-us-east-1")).toEqual(["shop-int-use1-id"]);
    });

    it("at stage 13 makes the gateway the only entry: Nginx's ALB reaches only it, and every API module is a service", () => {
        const plan = planOf("dev", 13);
        expect(plan.resources.filter((r) => r.type === "aws:lb/targetGroup:TargetGroup" && r.name.startsWith("shop-int-")).map((r) => r.name)).toEqual([
            "shop-int-use1-app",
        ]);
        expect(plan.resources.filter((r) => r.type === "aws:lb/listenerRule:ListenerRule" && r.name.startsWith("shop-int-"))).toEqual([]);
        expect(
            plan.resources
                .filter((r) => r.type === "aws:lb/targetGroup:TargetGroup" && r.name.startsWith("shop-svc-"))
                .map((r) => r.name)
                .sort(),
        ).toEqual(["shop-svc-use1-cart", "shop-svc-use1-catalog", "shop-svc-use1-orders", "shop-svc-use1-users"]);
    });
});

describe("stage 14: containers", () => {
    it("runs every service and Nginx as Deployments on an EKS cluster per region, the fleets gone, the data and the public NLB kept", () => {
        const prod = planOf("prod", 14);
        for (const region of ["us-east-1", "eu-west-1"]) {
            expect(prod.resources.find((r) => r.type === "aws:eks/cluster:Cluster" && r.region === region)).toBeDefined();
        }
        const deployments = planOf("dev", 14)
            .resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment")
            .map((r) => r.name.replace(/-us-east-1$/, ""));
        expect(deployments.sort()).toEqual(["nginx", "shop", "shop-cart", "shop-catalog", "shop-orders", "shop-users"]);
        expect(prod.resources.some((r) => r.type === "aws:autoscaling/group:Group")).toBe(false);
        expect(
            prod.resources
                .filter((r) => r.type === "aws:lb/loadBalancer:LoadBalancer")
                .map((r) => r.name)
                .sort(),
        ).toEqual(["shop-edge-euw1", "shop-edge-use1"]);
        const group = prod.resources.find((r) => r.type === "aws:lb/targetGroup:TargetGroup" && r.name === "shop-edge-use1-nginx")!;
        expect(group.inputs).toMatchObject({ targetType: "ip", port: 8080, proxyProtocolV2: true, healthCheck: expect.objectContaining({ port: "8081" }) });
    });

    it("gives each shop pod its app's group through a security group policy, not its nodes, and lets the NLB reach Nginx's two ports only", async () => {
        const registered = await sharedDeployment("dev", "14");
        const template = registered.one("aws:ec2/launchTemplate:LaunchTemplate", "shop-us-east-1-general").inputs as { vpcSecurityGroupIds?: string[] };
        expect(template.vpcSecurityGroupIds).toBeUndefined();
        const policy = registered.one("kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy", "shop-orders-us-east-1").inputs as {
            spec: { podSelector: { matchLabels: Record<string, string> }; securityGroups: { groupIds: string[] } };
        };
        expect(policy.spec.podSelector.matchLabels["app.kubernetes.io/name"]).toBe("shop-orders");
        expect(policy.spec.securityGroups.groupIds).toEqual(["shop-pods-us-east-1-id", "shop-app-orders-us-east-1-id"]);
        const fromEdge = registered
            .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            .filter((r) => r.name.endsWith("-from-edge") && r.name.startsWith("shop-us-east-1-nginx-"));
        expect(fromEdge.map((r) => [(r.inputs as { fromPort: number }).fromPort, (r.inputs as { securityGroupId: string }).securityGroupId])).toEqual([
            [8080, "sg-shop-us-east-1-cluster"],
            [8081, "sg-shop-us-east-1-cluster"],
        ]);
        expect(registered.one("aws:eks/accessEntry:AccessEntry", "shop-us-east-1-admin-0").inputs).toMatchObject({
            principalArn: "arn:aws:iam::123456789012:role/deployer",
        });
    });

    it("hands each workload the contract: the topology in its ConfigMap, the secrets from Secrets Manager in its Secret, services by in-cluster name", async () => {
        const registered = await sharedDeployment("dev", "14");
        const kubernetes = kubernetesObjects(registered.resources);
        expect(kubernetes.flatMap(schemaProblems)).toEqual([]);
        const configOf = (name: string) => (registered.one("kubernetes:core/v1:ConfigMap", name).inputs as { data: Record<string, string> }).data;
        const gateway = configOf("shop-us-east-1");
        expect(gateway).toMatchObject({
            SHOP_MODULES: "gateway,web",
            SHOP_SERVICE_URL_ORDERS: "http://shop-orders.shop.svc.cluster.local",
            SHOP_REGION: "us-east-1",
        });
        // The entry serves the storefront, whose pages ask the services: it names no store, and every page's service.
        expect(Object.keys(gateway).filter((k) => /SHOP_(DATABASE_(URL|READER_URLS|PASSWORD)|COMMENT|SEARCH)/.test(k))).toEqual([]);
        expect(gateway).toMatchObject({
            SHOP_SERVICE_URL_CATALOG: "http://shop-catalog.shop.svc.cluster.local",
            SHOP_SERVICE_URL_SEARCH: "http://shop-catalog.shop.svc.cluster.local",
            SHOP_SERVICE_URL_COMMENTS: "http://shop-catalog.shop.svc.cluster.local",
            SHOP_SERVICE_URL_USERS: "http://shop-users.shop.svc.cluster.local",
        });
        const orders = configOf("shop-orders-us-east-1");
        expect(orders.SHOP_MODULES).toBe("orders,payments");
        expect(orders.SHOP_DATABASE_URL_ORDERS).toMatch(
            /^postgres:\/\/shop_orders@shop-db-us-east-1\.cluster-mock\.us-east-1\.rds\.amazonaws\.com:5432\/shop\?sslmode=verify-full/,
        );
        const secretOf = (name: string) => (registered.one("kubernetes:core/v1:Secret", name).inputs as { stringData: Record<string, string> }).stringData;
        const secret = secretOf("shop-us-east-1");
        // The entry serves the storefront, whose pages ask the services: no domain's password, only what every process shares.
        expect(Object.keys(secret).sort()).toEqual(["SHOP_REDIS_AUTH_TOKEN", "SHOP_SESSION_SECRET"]);
        expect(Object.keys(secretOf("shop-catalog-us-east-1")).sort()).toEqual([
            "SHOP_COMMENT_SHARD_PASSWORD",
            "SHOP_DATABASE_PASSWORD_CATALOG",
            "SHOP_REDIS_AUTH_TOKEN",
            "SHOP_SEARCH_PASSWORD",
            "SHOP_SESSION_SECRET",
        ]);
        // The values this program made, kept secret in the state and the plan.
        expect(Object.values(secret).every((v) => v === "[secret]")).toBe(true);
        expect(Object.values(gateway).join(" ")).not.toContain("(looked up at deploy)");
        // RDS would rotate a managed password behind the Secret's back: the clusters' passwords are the program's.
        expect(registered.one("aws:rds/cluster:Cluster", "shop-db-us-east-1").inputs).toMatchObject({ masterPassword: "[secret]" });
        expect(registered.one("aws:rds/cluster:Cluster", "shop-db-us-east-1").inputs.manageMasterUserPassword).toBeUndefined();
    });
});

describe("stage 15: cloud elasticity", () => {
    it("runs the Cluster Autoscaler on every cluster, allowed to change only the groups tagged for it", async () => {
        const registered = await sharedDeployment("dev", "15");
        expect(kubernetesObjects(registered.resources).flatMap(schemaProblems)).toEqual([]);
        const container = (
            registered.one("kubernetes:apps/v1:Deployment", "shop-us-east-1-autoscaler").inputs as {
                spec: { template: { spec: { containers: { command: string[] }[] } } };
            }
        ).spec.template.spec.containers[0];
        expect(container.command).toContain(
            "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/shop-dev-us-east-1",
        );
        const policy = JSON.parse(registered.one("aws:iam/rolePolicy:RolePolicy", "shop-us-east-1-autoscaler-role").inputs.policy as string);
        expect(policy.Statement[1]).toEqual({
            Effect: "Allow",
            Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            Resource: "*",
            Condition: { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/shop-dev-us-east-1": "owned" } },
        });
        expect(registered.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "shop-us-east-1-autoscaler-role").inputs).toMatchObject({
            namespace: "kube-system",
            serviceAccount: "cluster-autoscaler",
        });
    });

    it("raises every region's node floor for each planned peak and lowers it after", async () => {
        const registered = await sharedDeployment("prod", "15");
        const schedules = registered
            .ofType("aws:autoscaling/schedule:Schedule")
            .map((r) => [r.region, r.inputs.scheduledActionName, r.inputs.startTime, r.inputs.minSize, r.inputs.autoscalingGroupName]);
        expect(schedules).toEqual(
            expect.arrayContaining([
                ["us-east-1", "singles-day-2027-start", "2027-11-10T16:00:00Z", 9, "eks-shop-us-east-1-general-asg"],
                ["us-east-1", "singles-day-2027-end", "2027-11-12T16:00:00Z", 3, "eks-shop-us-east-1-general-asg"],
                ["eu-west-1", "singles-day-2027-start", "2027-11-10T16:00:00Z", 9, "eks-shop-eu-west-1-general-asg"],
            ]),
        );
        expect(schedules).toHaveLength(4);
    });

    it("turns the readers into Aurora Serverless v2 in place, the writers as they were", () => {
        for (const stack of stacks) {
            const instances = (stage: number) =>
                planOf(stack, stage).resources.filter(
                    (r) => r.type === "aws:rds/clusterInstance:ClusterInstance" && r.name.startsWith("shop-db-us-east-1-") && r.region === "us-east-1",
                );
            const readers = instances(15).filter((r) => r.name.includes("-reader-"));
            expect(readers.every((r) => (r.inputs as { instanceClass: string }).instanceClass === "db.serverless")).toBe(true);
            expect(readers.map((r) => r.urn)).toEqual(
                instances(14)
                    .filter((r) => r.name.includes("-reader-"))
                    .map((r) => r.urn),
            );
            const writer = (stage: number) => instances(stage).find((r) => r.name.endsWith("-writer"))!.inputs as { instanceClass: string };
            expect(writer(15).instanceClass).toBe(writer(14).instanceClass);
            expect(planOf(stack, 15).resources.find((r) => r.type === "aws:rds/cluster:Cluster" && r.name === "shop-db-us-east-1")!.inputs).toMatchObject({
                serverlessv2ScalingConfiguration: { minCapacity: 0.5 },
            });
        }
    });
});
