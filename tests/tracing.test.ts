import { spawnSync } from "node:child_process";
import * as yaml from "yaml";
import { renderAppUserData } from "../components/compute/app-user-data";
import { traceCollectorConfig, traceCollectorImage } from "../components/trace-collector";
import { parseStackConfig, project } from "../stacks/config";
import { tracingWiring } from "../stacks/tracing";
import { readStackConfigFile } from "../tools/stack-files";
import { Registered } from "./harness";
import { sharedDeployment } from "./support/shared-deployments";

const configOf = (stack: "dev" | "prod", stage: number) => parseStackConfig({ ...readStackConfigFile(stack), [`${project}:stage`]: String(stage) });

const userDataOf = (r: Registered, name: string) =>
    Buffer.from(r.one("aws:ec2/launchTemplate:LaunchTemplate", name).inputs.userData as string, "base64").toString("utf8");
const actionsOf = (policy: string): string[] =>
    (JSON.parse(policy) as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
/** The collector configuration a first-boot script writes, read back as YAML. */
const configInScript = (script: string) => yaml.parse(script.match(/<<'OTEL'\n([\s\S]*?)\nOTEL\n/)![1]);

describe("the trace collector's configuration", () => {
    it("receives OTLP/HTTP on the address given and exports to X-Ray in the region given", () => {
        const config = yaml.parse(traceCollectorConfig("eu-west-1", "127.0.0.1"));
        expect(config.receivers.otlp.protocols.http.endpoint).toBe("127.0.0.1:4318");
        expect(config.exporters.awsxray.region).toBe("eu-west-1");
        expect(config.service.pipelines.traces).toEqual({ receivers: ["otlp"], processors: ["batch"], exporters: ["awsxray"] });
        expect(() => traceCollectorConfig("eu-west", "127.0.0.1")).toThrow("region must be an AWS region");
        expect(() => traceCollectorConfig("eu-west-1", "0.0.0.0:4318\nexporters:")).toThrow("listen must be an IPv4 address");
    });

    it("runs on a fleet instance's own network, the shop reaching it by name, in a script bash accepts; and not at all unless asked", () => {
        const args = { image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:0123abcd", port: 8080, region: "us-east-1", logGroupName: "/shop/app" };
        const script = renderAppUserData({ ...args, environment: {}, secrets: {}, traceCollector: true });
        expect(spawnSync("bash", ["-n"], { input: script, encoding: "utf8" }).stderr).toBe("");
        expect(script).toContain(`docker run -d --name otel-collector --restart always --network host`);
        expect(script).toContain(`'${traceCollectorImage}' --config=/etc/otel-collector/config.yaml`);
        expect(script).toMatch(/docker run -d --name shop [^\n]*\\\n[^\n]*\\\n {2}--add-host otel-collector:host-gateway \\\n/);
        expect(configInScript(script).exporters.awsxray.region).toBe("us-east-1");
        expect(renderAppUserData({ ...args, environment: {}, secrets: {} })).not.toContain("otel-collector");
    });
});

describe("tracing in the stacks", () => {
    it("has no collector and no endpoint before stage 12", async () => {
        const registered = await sharedDeployment("dev", 11);
        expect(registered.resources.filter((r) => r.type === "aws:ssm/parameter:Parameter" && r.name.includes("SHOP_OTLP_ENDPOINT"))).toEqual([]);
        for (const template of registered.ofType("aws:ec2/launchTemplate:LaunchTemplate"))
            expect(userDataOf(registered, template.name)).not.toContain("otel-collector");
    });

    it.each([12, 13])(
        "stage %i: every application fleet runs the collector, may write to X-Ray, and its shop is told where the collector is",
        async (stage) => {
            const registered = await sharedDeployment("prod", stage);
            const fleets = registered.ofType("aws:ec2/launchTemplate:LaunchTemplate").filter((t) => !t.name.startsWith("shop-nginx-"));
            expect(fleets.length).toBeGreaterThan(2);
            for (const { name } of fleets) {
                const region = name.match(/-([a-z]{2}-[a-z]+-\d)$/)![1];
                const script = userDataOf(registered, name);
                expect([name, configInScript(script).exporters.awsxray.region]).toEqual([name, region]);
                expect([name, script.includes("--add-host otel-collector:host-gateway")]).toEqual([name, true]);
                expect([name, actionsOf(registered.one("aws:iam/rolePolicy:RolePolicy", name).inputs.policy as string)]).toEqual([
                    name,
                    expect.arrayContaining(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]),
                ]);
            }
            // The fleets share their configuration through SSM Parameter Store from stage 11 (a value the provider keeps secret in a plan).
            for (const region of ["us-east-1", "eu-west-1"]) registered.one("aws:ssm/parameter:Parameter", `shop-config-${region}-SHOP_OTLP_ENDPOINT`);
            expect(tracingWiring(configOf("prod", stage)).environment.SHOP_OTLP_ENDPOINT).toBe("http://otel-collector:4318");
        },
    );

    it.each([14])("stage %i: every shop pod has the collector beside it on its loopback, and the pods may write to X-Ray", async (stage) => {
        const registered = await sharedDeployment("prod", stage);
        const deployments = registered.ofType("kubernetes:apps/v1:Deployment").filter((d) => d.name.startsWith("shop"));
        expect(deployments.length).toBeGreaterThan(2);
        for (const { name, inputs } of deployments) {
            const region = name.match(/-([a-z]{2}-[a-z]+-\d)$/)![1];
            const containers = (inputs as { spec: { template: { spec: { containers: { name: string; image: string; env?: { value: string }[] }[] } } } }).spec
                .template.spec.containers;
            expect([name, containers.map((c) => c.name)]).toEqual([name, ["shop", "otel-collector"]]);
            const config = yaml.parse(containers[1].env![0].value);
            expect([name, config.receivers.otlp.protocols.http.endpoint, config.exporters.awsxray.region]).toEqual([name, "127.0.0.1:4318", region]);
            const configMap = registered.one("kubernetes:core/v1:ConfigMap", name).inputs as { data: Record<string, string> };
            expect([name, configMap.data.SHOP_OTLP_ENDPOINT]).toEqual([name, "http://localhost:4318"]);
            // The entry decides for one request in ten, the services follow it.
            expect([name, configMap.data.OTEL_TRACES_SAMPLER, configMap.data.OTEL_TRACES_SAMPLER_ARG]).toEqual([name, "parentbased_traceidratio", "0.1"]);
        }
        const podPolicies = registered.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.name.endsWith("-pods"));
        expect(podPolicies.length).toBe(deployments.length);
        for (const policy of podPolicies)
            expect([policy.name, actionsOf(policy.inputs.policy as string)]).toEqual([policy.name, expect.arrayContaining(["xray:PutTraceSegments"])]);
    });
});
