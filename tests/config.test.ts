import { ConfigError, defaultImage, parseStackConfig, sizingDefaults } from "../stacks/config";
import { readStackConfigFile } from "../tools/stack-files";

const base = { "aws:region": "us-east-1", "shop-evolution:stage": "1", "shop-evolution:environment": "dev" };

function problems(raw: Record<string, string>): string[] {
    try {
        parseStackConfig(raw);
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    throw new Error("expected the config to be refused");
}

describe("stack config", () => {
    it("resolves a minimal dev config with the dev defaults", () => {
        const c = parseStackConfig(base);
        expect(c.stage.slug).toBe("single-server");
        expect(c.regions).toEqual(["us-east-1"]);
        expect(c.sizing).toEqual(sizingDefaults.dev);
        expect(c.protectData).toBe(false);
        expect(c.image).toBe(defaultImage);
        expect(c.vpcCidr).toBe("10.0.0.0/16");
        expect(c.tags).toMatchObject({ project: "shop-evolution", environment: "dev" });
    });

    it("takes the stage by slug, protects prod data and lets sizing override the environment's defaults", () => {
        const c = parseStackConfig({
            ...base,
            "shop-evolution:stage": "read-replicas",
            "shop-evolution:environment": "prod",
            "shop-evolution:regions": '["us-east-1","eu-west-1"]',
            "shop-evolution:sizing": '{"azCount":4}',
            "shop-evolution:tags": '{"team":"platform"}',
        });
        expect(c.stage.number).toBe(5);
        expect(c.protectData).toBe(true);
        expect(c.regions).toEqual(["us-east-1", "eu-west-1"]);
        expect(c.sizing).toEqual({ ...sizingDefaults.prod, azCount: 4 });
        expect(c.tags.team).toBe("platform");
    });

    it("refuses a stage out of range or unknown, naming the key and what is allowed", () => {
        for (const stage of ["0", "16", "nonsense"]) {
            const [p, ...rest] = problems({ ...base, "shop-evolution:stage": stage });
            expect(rest).toEqual([]);
            expect(p).toContain("shop-evolution:stage");
            expect(p).toContain("1-15");
            expect(p).toContain(JSON.stringify(stage));
        }
    });

    it("names every problem at once", () => {
        const found = problems({
            "aws:region": "us-east-1",
            "shop-evolution:stage": "nonsense",
            "shop-evolution:environment": "staging",
            "shop-evolution:regions": "us-east-1",
            "shop-evolution:sizing": '{"azCount":7,"natGateways":"many","size":3}',
            "shop-evolution:tags": '["a"]',
            "shop-evolution:vpcCidr": "10.0.0.0/8",
            "shop-evolution:stgae": "2",
        });
        const keys = [
            "shop-evolution:stgae: unknown key",
            "shop-evolution:environment",
            "shop-evolution:regions",
            "shop-evolution:sizing.azCount",
            "shop-evolution:sizing.natGateways",
            "shop-evolution:sizing: unknown size",
            "shop-evolution:tags",
            "shop-evolution:vpcCidr",
            "shop-evolution:stage",
        ];
        for (const key of keys) expect(found.some((p) => p.startsWith(key))).toBe(true);
        expect(found).toHaveLength(keys.length);
    });

    it("requires a region and the environment", () => {
        const found = problems({ "shop-evolution:stage": "1" });
        expect(found.some((p) => p.startsWith("shop-evolution:environment"))).toBe(true);
        expect(found.some((p) => p.startsWith("shop-evolution:regions: required"))).toBe(true);
    });

    it("refuses an aws:region that is not the first of the regions", () => {
        const found = problems({ ...base, "aws:region": "eu-west-1", "shop-evolution:regions": '["us-east-1"]' });
        expect(found).toEqual([expect.stringContaining("aws:region: must be the first")]);
    });

    it("reads both stack files of the project as valid config", () => {
        expect(parseStackConfig(readStackConfigFile("dev")).environment).toBe("dev");
        const prod = parseStackConfig(readStackConfigFile("prod"));
        expect(prod.environment).toBe("prod");
        expect(prod.sizing.azCount).toBe(3);
        expect(prod.sizing.natGateways).toBe("per-az");
    });
});
