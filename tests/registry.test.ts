import { allowedStages, findStage, stages } from "../stacks/registry";

// The stage numbers and slugs are a contract (docs/contracts.md): config, plans and the README rely on them.
const contract = [
    "single-server",
    "separate-db",
    "cache",
    "reverse-proxy",
    "read-replicas",
    "business-split",
    "table-sharding",
    "l4-balancer",
    "multi-region",
    "search",
    "split-apps",
    "microservices",
    "service-bus",
    "containers",
    "cloud-elastic",
];

describe("stage registry", () => {
    it("holds the fifteen stages of the contract, numbered 1-15 in order", () => {
        expect(stages.map((s) => s.slug)).toEqual(contract);
        expect(stages.map((s) => s.number)).toEqual(contract.map((_, i) => i + 1));
    });

    it("describes every stage: seed section, what it adds, what it relieves, what comes next", () => {
        stages.forEach((s, i) => {
            expect(s.seedSection).toBe(`3.${i + 1}`);
            for (const text of [s.title, s.adds, s.relieves, s.nextBottleneck]) expect(text.trim().length).toBeGreaterThan(5);
        });
    });

    it("finds a stage by number, numeric text or slug, and nothing for anything else", () => {
        expect(findStage(5)?.slug).toBe("read-replicas");
        expect(findStage("14")?.slug).toBe("containers");
        expect(findStage("cloud-elastic")?.number).toBe(15);
        for (const bad of [0, 16, "nonsense", "", "1.5", "-1"]) expect(findStage(bad)).toBeUndefined();
    });

    it("lists what is allowed for error messages", () => {
        expect(allowedStages()).toContain("1-15");
        expect(allowedStages()).toContain("single-server");
    });
});
