import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig, project } from "../stacks/config";
import { composeStack } from "../stacks";
import { Plan, planStack } from "../tools/plan";
import { readStackConfigFile } from "../tools/stack-files";
import { Registered, run } from "./harness";

/** The stack `stack` at `stage`, run as an update (computed values get mock ids, so user data renders). */
function deploy(stack: "dev" | "prod", stage: string): Promise<Registered> {
    const raw = { ...readStackConfigFile(stack), [`${project}:stage`]: stage };
    return run(() => composeStack(parseStackConfig(raw)), { stack, config: raw });
}

/** Types whose replacement or deletion loses data (an Aurora instance holds none: the storage is the cluster's). */
const stateful = ["aws:ebs/volume:Volume", "aws:rds/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];

describe("stage 2: the database on Aurora", () => {
    const plans: Record<string, Plan> = {};
    beforeAll(async () => {
        for (const stack of ["dev", "prod"]) for (const stage of ["1", "2"]) plans[`${stack}-${stage}`] = await planStack(stack, stage);
    });

    it("adds an Aurora cluster in the isolated subnets that admits only the application's group", () => {
        for (const stack of ["dev", "prod"]) {
            const plan = plans[`${stack}-2`];
            const cluster = plan.resources.find((r) => r.type === "aws:rds/cluster:Cluster")!;
            expect(cluster.name).toBe("shop-db-us-east-1");
            const ingress = plan.resources.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.name.startsWith("shop-db-"));
            expect(ingress.map((r) => r.name)).toEqual(["shop-db-us-east-1-from-app"]);
            expect(plan.resources.some((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && r.name === "shop-app-us-east-1")).toBe(true);
        }
        expect(plans["dev-2"].resources.find((r) => r.type === "aws:rds/clusterInstance:ClusterInstance")!.inputs).toMatchObject({ instanceClass: "db.t4g.medium" });
    });

    it("keeps every resource of stage 1 under the same URN (no replacement, no lost data)", () => {
        for (const stack of ["dev", "prod"]) {
            const next = new Set(plans[`${stack}-2`].resources.map((r) => r.urn));
            expect(plans[`${stack}-1`].resources.filter((r) => !next.has(r.urn)).map((r) => r.urn)).toEqual([]);
        }
    });

    it("protects every stateful resource in prod, and none in dev", () => {
        const statefulOf = (plan: Plan) => plan.resources.filter((r) => stateful.includes(r.type));
        expect(statefulOf(plans["prod-2"]).filter((r) => !r.protect).map((r) => r.name)).toEqual([]);
        expect(statefulOf(plans["dev-2"]).filter((r) => r.protect).map((r) => r.name)).toEqual([]);
        expect(plans["prod-2"].resources.find((r) => r.type === "aws:rds/cluster:Cluster")!.inputs).toMatchObject({ deletionProtection: true });
    });

    it("runs the shop on the writer over verified TLS, the password read from the cluster's secret at boot", async () => {
        const registered = await deploy("dev", "2");
        const userData = (registered.one("aws:ec2/instance:Instance", "shop-server").inputs as { userData: string }).userData;
        expect(userData).toMatch(/SHOP_DATABASE_URL=postgres:\/\/shop_admin@[^ ']+:5432\/shop\?sslmode=verify-full&sslrootcert=\/etc\/shop\/rds-ca\.pem/);
        expect(userData).toContain("secretsmanager get-secret-value");
        expect(userData).toContain("jq -r '.password'");
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
        expect(secrets.Statement).toEqual([{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: [expect.stringContaining("shop-db-us-east-1")] }]);
    });
});
