import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { promote } from "../tools/promote";
import { projectRoot } from "../tools/stack-files";

/** The project's two stack files in a scratch folder, with their stages set. */
function stacksAt(devStage: string, prodStage: string, prodExtra: Record<string, string> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promote-"));
    const set = (stack: string, lines: Record<string, string>) => {
        let text = fs.readFileSync(path.join(projectRoot, `Pulumi.${stack}.yaml`), "utf8");
        for (const [key, value] of Object.entries(lines)) {
            text = text.includes(`  ${key}:`)
                ? text.replace(new RegExp(`  ${key}: .*`), `  ${key}: ${value}`)
                : text.replace("config:\n", `config:\n  ${key}: ${value}\n`);
        }
        fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), text);
    };
    set("dev", { "shop-evolution:stage": devStage });
    set("prod", { "shop-evolution:stage": prodStage, ...prodExtra });
    return dir;
}

const digest = `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:${"ab".repeat(32)}`;

describe("promotion from dev to prod", () => {
    const dirs: string[] = [];
    afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    const at = (...args: Parameters<typeof stacksAt>) => {
        const dir = stacksAt(...args);
        dirs.push(dir);
        return dir;
    };

    it("moves prod one stage forward with dev's image by digest, writes the file with its comments, and shows the diff", async () => {
        const dir = at("reverse-proxy", "cache");
        const result = await promote("dev", "prod", dir, { image: digest });
        expect(result.status).toBe(0);
        expect(result.lines[0]).toBe(`dev -> prod: stage 3 (cache) -> 4 (reverse-proxy); image ${digest}`);
        expect(result.lines.join("\n")).toMatch(/prod stage 3 \(cache\) -> prod stage 4 \(reverse-proxy\): \d+ to add, \d+ to remove, \d+ to change/);
        const written = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        expect(parseYaml(written).config).toMatchObject({
            "shop-evolution:stage": "reverse-proxy",
            "shop-evolution:image": digest,
            "shop-evolution:environment": "prod",
        });
        expect(written).toContain("# The prod stack:");
    }, 120_000);

    it("refuses a promotion whose prod plan breaks a mandatory policy, writing nothing", async () => {
        // A prod cache without a replica cannot fail over to another zone.
        const dir = at("cache", "separate-db", { "shop-evolution:sizing": '{"cacheReplicas": 0}' });
        const result = await promote("dev", "prod", dir, { image: digest });
        expect(result.status).toBe(4);
        expect(result.lines).toContain(
            "!! policy prod-multi-az: aws:elasticache/replicationGroup:ReplicationGroup shop-cache-us-east-1: multiAzEnabled must be true",
        );
        expect(result.lines[result.lines.length - 1]).toMatch(/^refused: \d+ mandatory policy violation\(s\) in prod; nothing written$/);
        expect(parseYaml(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8")).config["shop-evolution:stage"]).toBe("separate-db");
    }, 120_000);

    it("reads the image dev deployed from its outputs, never from a stack file, and refuses without one", async () => {
        const dir = at("separate-db", "single-server");
        const asked: string[] = [];
        const result = await promote("dev", "prod", dir, { readDeployed: (stack) => (asked.push(stack), digest) });
        expect(asked).toEqual(["dev"]);
        expect(result.status).toBe(0);
        expect(parseYaml(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8")).config["shop-evolution:image"]).toBe(digest);
        const none = await promote("dev", "prod", at("separate-db", "single-server"), { readDeployed: () => undefined });
        expect(none).toEqual({
            status: 2,
            lines: [
                "refused: no image: `pulumi stack output image --stack dev` gave none (no credentials, or dev not deployed); give the digest dev deployed with --image",
            ],
        });
    }, 120_000);

    it("refuses a jump of more than one stage, a step back and an image not pinned by digest, writing nothing", async () => {
        const jump = at("read-replicas", "cache");
        expect(await promote("dev", "prod", jump, { image: digest })).toEqual({
            status: 2,
            lines: ["refused: dev is at stage 5, more than one stage ahead of prod (3): promote one stage at a time"],
        });
        expect(await promote("dev", "prod", at("cache", "read-replicas"), { image: digest })).toMatchObject({
            status: 2,
            lines: ["refused: prod is at stage 5, ahead of dev (3): promotion only moves forward"],
        });
        const tagged = at("cache", "cache");
        expect((await promote("dev", "prod", tagged, { image: "shop:latest" })).lines).toEqual([
            "refused: dev's image shop:latest is not pinned by digest (repo@sha256:...): promote what was tested, byte for byte",
        ]);
        expect(parseYaml(fs.readFileSync(path.join(jump, "Pulumi.prod.yaml"), "utf8")).config["shop-evolution:stage"]).toBe("cache");
    });
});
