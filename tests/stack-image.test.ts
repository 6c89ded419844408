import { ConfigError, parseStackConfig, project } from "../stacks/config";
import { composeStack, regionProvider } from "../stacks";
import { pendingImage, stackImage } from "../stacks/shop-image";
import { stages } from "../stacks/registry";
import { PlannedResource } from "../tools/mock-runtime";
import { readStackConfigFile } from "../tools/stack-files";
import { refusal, Registered, run } from "./harness";
import { promotedDigest } from "./support/fixtures";
import { sharedDeployment } from "./support/shared-deployments";
import { sharedPlan } from "./support/shared-plans";

/** The script every server and fleet instance boots with, decoded. */
function bootScripts(r: Registered): { name: string; region: string | null; script: string }[] {
    return [
        ...r.ofType("aws:ec2/instance:Instance").map((i) => ({ name: i.name, region: i.region, script: String(i.inputs.userData) })),
        ...r
            .ofType("aws:ec2/launchTemplate:LaunchTemplate")
            .filter((t) => t.inputs.userData !== undefined)
            .map((t) => ({ name: t.name, region: t.region, script: Buffer.from(String(t.inputs.userData), "base64").toString("utf8") })),
    ];
}

const shopScripts = (r: Registered) => bootScripts(r).filter((s) => s.script.includes("docker run -d --name shop "));
const shopContainers = (resources: Pick<PlannedResource, "type" | "inputs">[]) =>
    resources
        .filter((r) => r.type === "kubernetes:apps/v1:Deployment")
        .flatMap((d) => (d.inputs as any).spec.template.spec.containers as { name: string; image: string }[])
        .filter((c) => c.name === "shop");

describe("the shop, built once and run by digest", () => {
    it("dev builds app/Dockerfile into its ECR repository, which prod's account may pull, and runs what it pushed by digest on the server, the fleets and the pods", async () => {
        const prodAccount = JSON.parse(readStackConfigFile("dev")[`${project}:pullAccountIds`])[0];
        for (const stage of [1, 4, 14]) {
            const r = await sharedDeployment("dev", stage);
            const build = r.one("docker:index/image:Image", "shop").inputs as any;
            expect(build.build.dockerfile).toMatch(/\/app\/Dockerfile$/);
            expect(build.imageName).toMatch(/^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/shop:src-[a-f0-9]{16}$/);
            const policy = JSON.parse(String(r.one("aws:ecr/repositoryPolicy:RepositoryPolicy", "shop").inputs.policy));
            expect(policy.Statement[0].Principal.AWS).toEqual([`arn:aws:iam::${prodAccount}:root`]);
            const digest = r.outputs.image as string;
            expect(digest).toMatch(/^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/shop@sha256:[a-f0-9]{64}$/);
            if (stage < 14) {
                expect(shopScripts(r).length).toBeGreaterThan(0);
                for (const { name, script } of shopScripts(r))
                    expect([name, script.includes(`  '${digest}'`) || script.includes(`  ${digest}\n`)]).toEqual([name, true]);
            } else {
                expect(shopContainers(r.resources).length).toBeGreaterThan(0);
                for (const container of shopContainers(r.resources)) expect(container.image).toBe(digest);
            }
        }
    }, 120_000);

    it("prod builds nothing and runs the promoted digest in every region, the far one logging in to the home registry", async () => {
        const r = await sharedDeployment("prod", 9);
        expect(r.ofType("docker:index/image:Image")).toEqual([]);
        expect(r.ofType("aws:ecr/repository:Repository")).toEqual([]);
        expect(r.outputs.image).toBe(promotedDigest);
        const scripts = shopScripts(r);
        expect(new Set(scripts.map((s) => s.region))).toEqual(new Set(["us-east-1", "eu-west-1"]));
        for (const { name, script } of scripts) {
            expect([name, script.includes(`'${promotedDigest}'`)]).toEqual([name, true]);
            // A token is good only in the region that issued it: the registry's, not the instance's.
            expect([name, script]).toEqual([name, expect.stringContaining("aws ecr get-login-password --region 'us-east-1' | docker login")]);
        }
        const pods = await sharedDeployment("prod", 14);
        for (const container of shopContainers(pods.resources)) expect(container.image).toBe(promotedDigest);
    }, 120_000);

    it("a dev stack given dev's digest (the stage proof's throwaway stacks) builds nothing and runs it", async () => {
        const { [`${project}:pullAccountIds`]: _, ...dev } = readStackConfigFile("dev");
        const raw = { ...dev, [`${project}:stage`]: "4", [`${project}:image`]: promotedDigest };
        const r = await run(() => composeStack(parseStackConfig(raw)), { stack: "proof-4", config: raw });
        expect(r.ofType("docker:index/image:Image")).toEqual([]);
        expect(r.ofType("aws:ecr/repository:Repository")).toEqual([]);
        expect(r.outputs.image).toBe(promotedDigest);
        expect(shopScripts(r).length).toBeGreaterThan(0);
        for (const { name, script } of shopScripts(r)) expect([name, script.includes(`'${promotedDigest}'`)]).toEqual([name, true]);
    }, 120_000);

    it("prod not promoted yet: the plan shows the image pending, as the output and where the pods take it, and `pulumi up` refuses, naming the command", async () => {
        expect(readStackConfigFile("prod")[`${project}:image`]).toBeUndefined();
        const plan = await sharedPlan("prod", 14);
        expect(plan.outputs.image).toBe(pendingImage);
        expect(shopContainers(plan.resources).map((c) => c.image)).toEqual(expect.arrayContaining([pendingImage]));
        expect(new Set(shopContainers(plan.resources).map((c) => c.image))).toEqual(new Set([pendingImage]));
        const raw = { ...readStackConfigFile("prod"), [`${project}:stage`]: "4" };
        const refused = await refusal(() => stackImage(parseStackConfig(raw), regionProvider("us-east-1", {})), { stack: "prod", config: raw, preview: false });
        expect(refused.error).toBeInstanceOf(ConfigError);
        expect(refused.error.message).toContain(
            "shop-evolution:image: not set: this stack runs only an image promoted from dev by digest; `npm run promote -- --from dev --to prod` writes it into Pulumi.prod.yaml",
        );
        // The preview of the same stack shows it pending instead.
        const previewed = await run(() => ({ image: stackImage(parseStackConfig(raw), regionProvider("us-east-1", {})) }), {
            stack: "prod",
            config: raw,
            preview: true,
        });
        expect(previewed.outputs.image).toBe(pendingImage);
    }, 600_000);

    it("names no placeholder in any plan: dev's image is the one it builds, prod's the promoted one or pending, and no stack reads another", async () => {
        for (const { number } of stages) {
            for (const stack of ["dev", "prod"]) {
                const plan = await sharedPlan(stack, number);
                const text = JSON.stringify(plan);
                expect([stack, number, text.includes("nginx-unprivileged:1.27")]).toEqual([stack, number, false]);
                expect([stack, number, plan.resources.some((r) => r.type === "pulumi:pulumi:StackReference")]).toEqual([stack, number, false]);
                const builds = plan.resources.filter((r) => r.type === "docker:index/image:Image");
                expect([stack, number, builds.length]).toEqual([stack, number, stack === "dev" ? 1 : 0]);
                expect([stack, number, plan.outputs.image]).toEqual([stack, number, stack === "dev" ? "(known after apply)" : pendingImage]);
            }
        }
    }, 600_000);
});
