import { ConfigError, parseStackConfig, sizingDefaults } from "../stacks/config";
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
        // Dev builds the image; nothing stands in for it.
        expect(c.image).toBeUndefined();
        expect(c.pullAccountIds).toEqual([]);
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

    it("derives the hosted zone from the domain unless it is named", () => {
        expect(parseStackConfig({ ...base, "shop-evolution:domain": "shop.example.com" }).hostedZone).toBe("example.com");
        expect(parseStackConfig({ ...base, "shop-evolution:domain": "shop.eu.example.com", "shop-evolution:hostedZone": "example.com" }).hostedZone).toBe(
            "example.com",
        );
        expect(problems({ ...base, "shop-evolution:domain": "shop.example.com", "shop-evolution:hostedZone": "example.org" })).toEqual([
            "shop-evolution:hostedZone: example.org does not hold the domain shop.example.com",
        ]);
    });

    it("asks of stage 9 a domain, and of several regions classes a global database and datastore accept and room for every VPC", () => {
        const multi = {
            ...base,
            "shop-evolution:stage": "multi-region",
            "shop-evolution:regions": '["us-east-1","eu-west-1","ap-southeast-2","us-west-2"]',
            "shop-evolution:vpcCidr": "10.255.0.0/16",
        };
        expect(problems(multi)).toEqual([
            "shop-evolution:domain: required from stage 9 (multi-region): the name Route 53 answers with the healthy regions",
            "shop-evolution:regions: at most three regions from stage 9: an ElastiCache global datastore has two secondary regions (got 4)",
            "shop-evolution:sizing.databaseInstanceClass: a global database across regions needs a memory-optimized class such as db.r6g.large (got db.t4g.medium)",
            "shop-evolution:sizing.cacheNodeType: a global datastore across regions needs the m or r families such as cache.r7g.large (got cache.t4g.micro)",
            "shop-evolution:vpcCidr: no room for 4 regions' VPCs in blocks of its size after 10.255.0.0/16 within its private range",
        ]);
        // One region at stage 9 (a cheap dev stack) needs only the domain.
        expect(parseStackConfig({ ...base, "shop-evolution:stage": "9", "shop-evolution:domain": "shop-dev.example.com" }).regions).toEqual(["us-east-1"]);
        // Before stage 9 the other regions wait, whatever their sizes.
        expect(parseStackConfig({ ...multi, "shop-evolution:stage": "8" }).stage.number).toBe(8);
    });

    it("refuses an EKS API open to the world and malformed peaks, naming each", () => {
        expect(
            problems({
                ...base,
                "shop-evolution:clusterApiCidrs": '["0.0.0.0/0"]',
                "shop-evolution:clusterAdmins": '["root"]',
                "shop-evolution:peaks":
                    '[{"name":"Sale","start":"2027-11-12T00:00:00Z","end":"2027-11-11T00:00:00Z","nodes":5},{"name":"x","start":"tomorrow","end":"2027-01-01T00:00:00Z","nodes":0}]',
            }),
        ).toEqual([
            'shop-evolution:clusterApiCidrs.0: the EKS API is never open to the whole internet (got "0.0.0.0/0")',
            'shop-evolution:peaks.0.name: expected a lower-case name such as singles-day (got "Sale")',
            "shop-evolution:peaks.0: end must come after start",
            'shop-evolution:peaks.1.start: expected a UTC time such as 2026-11-10T16:00:00Z (got "tomorrow")',
            "shop-evolution:peaks.1.nodes: expected an integer from 1 to 450 (got 0)",
            'shop-evolution:clusterAdmins.0: expected an IAM role or user ARN (got "root")',
        ]);
        expect(problems({ ...base, "shop-evolution:peaks": '[{"name":"a","start":"2027-11-12T00:00:00Z","end":"2027-11-11T00:00:00Z","nodes":5}]' })).toEqual([
            "shop-evolution:peaks.0: end must come after start",
        ]);
    });

    it("takes an image only by digest, and the accounts that pull only where it is built", () => {
        const prod = { ...base, "shop-evolution:environment": "prod" };
        const digest = `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:${"ab".repeat(32)}`;
        expect(parseStackConfig({ ...prod, "shop-evolution:image": digest }).image).toBe(digest);
        expect(problems({ ...prod, "shop-evolution:image": "docker.io/nginxinc/nginx-unprivileged:1.27-alpine" })).toEqual([
            'shop-evolution:image: expected the image by digest, registry/repository@sha256:<64 hex digits>, as npm run promote writes it (got "docker.io/nginxinc/nginx-unprivileged:1.27-alpine")',
        ]);
        // A dev stack given an image (the stage proof's) builds none, so it lets nobody pull.
        expect(parseStackConfig({ ...base, "shop-evolution:image": digest }).image).toBe(digest);
        expect(problems({ ...base, "shop-evolution:image": digest, "shop-evolution:pullAccountIds": '["210987654321"]' })).toEqual([
            "shop-evolution:pullAccountIds: a stack given shop-evolution:image builds none; the accounts that pull are listed where the image is built",
        ]);
        expect(parseStackConfig({ ...base, "shop-evolution:pullAccountIds": '["210987654321"]' }).pullAccountIds).toEqual(["210987654321"]);
        expect(problems({ ...base, "shop-evolution:pullAccountIds": '["prod"]' })).toEqual([
            'shop-evolution:pullAccountIds.0: expected a 12-digit AWS account id (got "prod")',
        ]);
        expect(problems({ ...prod, "shop-evolution:pullAccountIds": '["210987654321"]' })).toEqual([
            "shop-evolution:pullAccountIds: prod builds no image; the accounts that pull are listed where the image is built (dev)",
        ]);
        expect(parseStackConfig({ ...base, "shop-evolution:addonVersions": '{"coredns":"v1.12.4-eksbuild.1"}' }).addonVersions).toEqual({
            coredns: "v1.12.4-eksbuild.1",
        });
        expect(problems({ ...base, "shop-evolution:addonVersions": '{"coredns":"latest"}' })).toEqual([
            'shop-evolution:addonVersions.coredns: expected an add-on build such as v1.12.4-eksbuild.1 (got "latest")',
        ]);
        expect(parseStackConfig({ ...base, "shop-evolution:createSearchServiceLinkedRole": "true" }).createSearchServiceLinkedRole).toBe(true);
        expect(parseStackConfig(base).createSearchServiceLinkedRole).toBe(false);
        expect(problems({ ...base, "shop-evolution:promotedFrom": "acme/shop-evolution/dev" })[0]).toMatch(/^shop-evolution:promotedFrom: unknown key/);
    });

    it("takes alarm subscribers, rule overrides and SLOs with documented defaults, and names every bad value", () => {
        const defaults = parseStackConfig(base);
        expect(defaults.alarms).toEqual({ subscribers: [], rules: {} });
        expect(defaults.slo).toEqual({ availabilityPercent: 99.9, latencyPercent: 99, latencyMs: 500 });
        const set = parseStackConfig({
            ...base,
            "shop-evolution:alarms": JSON.stringify({
                subscribers: [{ protocol: "email", endpoint: "oncall@example.com" }],
                rules: { databaseCpuPercent: { threshold: 70 }, shop5xxPercent: { periodSeconds: 120, evaluationPeriods: 3 } },
            }),
            "shop-evolution:slo": '{"availabilityPercent":99.95,"latencyMs":300}',
        });
        expect(set.alarms.subscribers).toEqual([{ protocol: "email", endpoint: "oncall@example.com" }]);
        expect(set.alarms.rules).toEqual({ databaseCpuPercent: { threshold: 70 }, shop5xxPercent: { periodSeconds: 120, evaluationPeriods: 3 } });
        expect(set.slo).toEqual({ availabilityPercent: 99.95, latencyPercent: 99, latencyMs: 300 });

        expect(
            problems({
                ...base,
                "shop-evolution:alarms": JSON.stringify({
                    subscribers: [
                        { protocol: "email", endpoint: "oncall" },
                        { protocol: "pager", endpoint: "x" },
                    ],
                    rules: { databaseCpu: { threshold: 70 }, cacheEvictions: { periodSeconds: 90 }, searchRed: { periodSeconds: 300, evaluationPeriods: 300 } },
                }),
                "shop-evolution:slo": '{"availabilityPercent":90,"latencyMs":0}',
            }),
        ).toEqual([
            "shop-evolution:alarms.subscribers.0: expected an email address",
            'shop-evolution:alarms.subscribers.1.protocol: expected email, https, sqs or lambda (got "pager")',
            "shop-evolution:alarms.rules.cacheEvictions: periodSeconds must be a multiple of 60 (got 90)",
            "shop-evolution:alarms.rules.searchRed: periodSeconds × evaluationPeriods must be at most 86400 (one day with periods under an hour; got 90000)",
            expect.stringMatching(/^shop-evolution:alarms\.rules: unknown databaseCpu; expected any of balancer5xxPercent, .*shopOutboxLagSeconds$/),
            "shop-evolution:slo.availabilityPercent: must be at least 95 and below 100 (got 90)",
            "shop-evolution:slo.latencyMs: must be an integer from 1 to 60000 (got 0)",
        ]);
    });

    it("reads both stack files of the project as valid config: dev names prod's account, which pulls its image", () => {
        expect(parseStackConfig(readStackConfigFile("dev")).environment).toBe("dev");
        expect(parseStackConfig(readStackConfigFile("dev")).pullAccountIds).toHaveLength(1);
        const prod = parseStackConfig(readStackConfigFile("prod"));
        expect(prod.environment).toBe("prod");
        expect(prod.sizing.azCount).toBe(3);
        expect(prod.sizing.natGateways).toBe("per-az");
    });
});
