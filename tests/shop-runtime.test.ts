import { parseStackConfig, project } from "../stacks/config";
import { stages } from "../stacks/registry";
import { connectionLimit, databasePoolMax, processesAtMost } from "../stacks/shop-runtime";
import { readStackConfigFile } from "../tools/stack-files";
import { sharedDeployment } from "./support/shared-deployments";

const configOf = (stack: "dev" | "prod", stage: number) => parseStackConfig({ ...readStackConfigFile(stack), [`${project}:stage`]: String(stage) });

describe("the shop's database pools", () => {
    it("start from Aurora PostgreSQL's default limit, LEAST(memory / 9531392, 5000)", () => {
        expect(connectionLimit("db.t4g.medium")).toBe(419);
        expect(connectionLimit("db.r6g.large")).toBe(1678);
        expect(connectionLimit("db.r6g.8xlarge")).toBe(5000);
        expect(() => connectionLimit("db.x2g.large")).toThrow("no connection limit known for the database instance class db.x2g.large");
    });

    it("share the limit, less a reserve, among every process that may reach the database at once, at least 2 each", () => {
        // prod stage 4: one fleet of at most 10; (1678 - 168) / 10.
        expect(processesAtMost(configOf("prod", 4))).toBe(10);
        expect(databasePoolMax("db.r6g.large", 10)).toBe(151);
        // prod stage 14: five Deployments of at most 10, 25% surge, two regions: 13 x 5 x 2.
        expect(processesAtMost(configOf("prod", 14))).toBe(130);
        expect(databasePoolMax("db.r6g.large", 130)).toBe(11);
        expect(databasePoolMax("db.t4g.medium", 1000)).toBe(2);
    });

    it.each(["dev", "prod"] as const)("never add up to more than the database allows, at any stage of %s", (stack) => {
        for (const { number } of stages.filter((s) => s.number >= 2)) {
            const config = configOf(stack, number);
            const limit = connectionLimit(config.sizing.databaseInstanceClass);
            const pools = databasePoolMax(config.sizing.databaseInstanceClass, processesAtMost(config));
            expect([number, pools * processesAtMost(config) <= limit - 10]).toEqual([number, true]);
        }
    });
});

describe("what every shop process is told about where it runs", () => {
    it("gives the fleets the VPC's range as trusted proxies, the metrics port and the pool size (stage 4)", async () => {
        const registered = await sharedDeployment("dev", 4);
        const template = registered.ofType("aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.name.startsWith("shop-app-fleet-us-east-1"))!;
        const userData = Buffer.from((template.inputs as { userData: string }).userData, "base64").toString("utf8");
        expect(userData).toContain("SHOP_TRUSTED_PROXIES=10.0.0.0/16");
        expect(userData).toContain("SHOP_METRICS_PORT=9464");
        expect(userData).toContain("SHOP_DATABASE_POOL_MAX=188");
    });

    it("gives the Kubernetes workloads the same, and annotates their pods for Prometheus on the metrics port (stage 14)", async () => {
        const registered = await sharedDeployment("prod", 14);
        const config = (registered.one("kubernetes:core/v1:ConfigMap", "shop-us-east-1").inputs as { data: Record<string, string> }).data;
        expect(config).toMatchObject({ SHOP_METRICS_PORT: "9464", SHOP_DATABASE_POOL_MAX: "11", SHOP_TRUSTED_PROXIES: "10.0.0.0/16" });
        const deployment = registered.one("kubernetes:apps/v1:Deployment", "shop-us-east-1").inputs as {
            spec: {
                template: { metadata: { annotations: Record<string, string> }; spec: { containers: { ports: { name: string; containerPort: number }[] }[] } };
            };
        };
        expect(deployment.spec.template.metadata.annotations).toEqual({
            "prometheus.io/scrape": "true",
            "prometheus.io/port": "9464",
            "prometheus.io/path": "/metrics",
        });
        expect(deployment.spec.template.spec.containers[0].ports).toContainEqual(expect.objectContaining({ name: "metrics", containerPort: 9464 }));
    });
});
