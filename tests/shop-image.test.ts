import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ShopImage, sourceRevision, sourceTag, defaultImageInputs } from "../components/containers/shop-image";
import { InvalidArgsError } from "../components/validation";
import { refusal, run } from "./harness";

const repoRoot = path.resolve(__dirname, "..");
const devDigest = `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:${"c".repeat(64)}`;

describe("ShopImage", () => {
    it("builds app/ into an immutable, scanned ECR repository with a lifecycle policy, and outputs the image by digest", async () => {
        const registered = await run(() => {
            const image = new ShopImage("shop", { build: { context: repoRoot }, keepImages: 20, pullAccountIds: ["210987654321"] });
            return { imageRef: image.imageRef };
        });
        const repository = registered.one("aws:ecr/repository:Repository", "shop").inputs as any;
        expect(repository).toMatchObject({
            name: "shop",
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            forceDelete: false,
        });
        const lifecycle = JSON.parse((registered.one("aws:ecr/lifecyclePolicy:LifecyclePolicy", "shop").inputs as any).policy);
        expect(lifecycle.rules[0]).toMatchObject({ selection: { countType: "imageCountMoreThan", countNumber: 20 }, action: { type: "expire" } });
        const policy = JSON.parse((registered.one("aws:ecr/repositoryPolicy:RepositoryPolicy", "shop").inputs as any).policy);
        expect(policy.Statement[0]).toMatchObject({
            Principal: { AWS: ["arn:aws:iam::210987654321:root"] },
            Action: expect.not.arrayContaining(["ecr:PutImage"]),
        });

        const image = registered.one("docker:index/image:Image", "shop").inputs as any;
        expect(image.imageName).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:${sourceTag(repoRoot, defaultImageInputs)}`);
        expect(image.build).toMatchObject({ context: repoRoot, dockerfile: path.join(repoRoot, "app/Dockerfile"), platform: "linux/amd64" });
        // The release it is, in its org.opencontainers.image.revision label: the last commit of its sources.
        expect(image.build.args.REVISION).toBe(sourceRevision(repoRoot, defaultImageInputs));
        expect(image.build.args.REVISION).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
        expect(image.registry).toMatchObject({ server: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop", username: "AWS", password: "[secret]" });
        expect(registered.outputs.imageRef).toMatch(/^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/shop@sha256:[a-f0-9]{64}$/);
    });

    it("tags by the sources' content: the same sources give the same tag, a changed file a new one", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-image-tag-"));
        try {
            fs.mkdirSync(path.join(dir, "src"));
            fs.writeFileSync(path.join(dir, "src", "a.ts"), "export const a = 1;\n");
            fs.writeFileSync(path.join(dir, "package.json"), "{}\n");
            const first = sourceTag(dir, ["src", "package.json"]);
            expect(first).toMatch(/^src-[a-f0-9]{16}$/);
            expect(sourceTag(dir, ["src", "package.json"])).toBe(first);
            fs.writeFileSync(path.join(dir, "src", "a.ts"), "export const a = 2;\n");
            expect(sourceTag(dir, ["src", "package.json"])).not.toBe(first);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("promotes a digest unchanged: no repository, no build", async () => {
        const registered = await run(() => ({ imageRef: new ShopImage("shop", { promote: devDigest }).imageRef }));
        expect(registered.outputs.imageRef).toBe(devDigest);
        expect(registered.resources.map((r) => r.type)).toEqual(expect.not.arrayContaining(["docker:index/image:Image", "aws:ecr/repository:Repository"]));
    });

    it("refuses bad arguments, naming each, before registering anything", async () => {
        const both = await refusal(
            () =>
                new ShopImage("bad", {
                    build: { context: "/nonexistent" },
                    promote: "shop:latest",
                    keepImages: 0,
                    repositoryName: "Shop",
                    pullAccountIds: ["prod"],
                }),
        );
        expect(both.error).toBeInstanceOf(InvalidArgsError);
        for (const part of [
            "exactly one of build",
            "promote: expected an image reference by digest",
            "build.context: /nonexistent lacks",
            "keepImages",
            "repositoryName",
            "pullAccountIds",
        ]) {
            expect(both.error.message).toContain(part);
        }
        expect(both.registered.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
        expect((await refusal(() => new ShopImage("none", {}))).error.message).toContain("exactly one of build");
    });
});
