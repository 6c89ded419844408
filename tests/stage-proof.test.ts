import { leftovers, parseProofConfig, ProofConfigError, proofRecord, readProofConfig, stagesTonight, summaryRow } from "../tools/stage-proof";
import { stages } from "../stacks/registry";
import type { JourneyResult } from "../tools/shopper-journey";
import { sharedPlan } from "./support/shared-plans";

describe("the nightly stage proof's decisions", () => {
    it("proves every stage at least once a week from the committed configuration", () => {
        const config = readProofConfig();
        const week = Object.values(config.stagesByNight).flatMap((night) => night!.map((s) => s.number));
        expect(new Set(week)).toEqual(new Set(stages.map((s) => s.number)));
    });

    it("picks tonight's stages by the UTC weekday, or the stages given, each once and in order", () => {
        const config = parseProofConfig({ ttlHours: 6, nights: { monday: [4, "single-server"], tuesday: ["cache"] } });
        expect(stagesTonight(config, new Date("2026-11-30T01:30:00Z"))).toEqual([1, 4]);
        expect(stagesTonight(config, new Date("2026-12-01T01:30:00Z"))).toEqual([3]);
        expect(stagesTonight(config, new Date("2026-12-02T01:30:00Z"))).toEqual([]);
        expect(stagesTonight(config, new Date("2026-12-02T01:30:00Z"), "9, cache,9")).toEqual([3, 9]);
        expect(() => stagesTonight(config, new Date(), "4,99,nope")).toThrow(new ProofConfigError(['--stages: no stage "99"', '--stages: no stage "nope"']));
    });

    it("names every problem of a bad configuration", () => {
        expect(() => parseProofConfig({ ttlHours: 0, nights: { someday: [1] } })).toThrow(ProofConfigError);
        try {
            parseProofConfig({ ttlHours: 6, nights: { monday: [1, 16, "caches"] } });
            throw new Error("accepted");
        } catch (err) {
            expect((err as ProofConfigError).problems).toEqual([
                "stage-proof.json: nights.monday.1: no stage 16",
                'stage-proof.json: nights.monday.2: no stage "caches"',
            ]);
        }
    });

    it("sweeps only proof stacks older than the time to live", () => {
        const now = new Date("2026-11-30T12:00:00Z");
        const stacks = [
            { name: "org/shop-evolution/proof-4-111", lastUpdate: "2026-11-30T01:00:00Z" },
            { name: "org/shop-evolution/proof-9-222", lastUpdate: "2026-11-30T10:00:00Z" },
            { name: "org/shop-evolution/proof-3-333" },
            { name: "org/shop-evolution/dev", lastUpdate: "2025-01-01T00:00:00Z" },
            { name: "org/shop-evolution/prod", lastUpdate: "2025-01-01T00:00:00Z" },
        ];
        expect(leftovers(stacks, 6, now)).toEqual(["org/shop-evolution/proof-4-111", "org/shop-evolution/proof-3-333"]);
    });

    it("records the journey, the time `pulumi up` took and the cost model's figure for the stage", async () => {
        const journey: JourneyResult = {
            url: "https://s4-1.example.com",
            ok: true,
            readySeconds: 42,
            steps: [
                { step: "home page", ms: 80, status: 200 },
                { step: "check out", ms: 310, status: 200 },
            ],
        };
        const plan = await sharedPlan("dev", 4);
        const record = await proofRecord("reverse-proxy", journey, 1260, plan);
        expect(record).toMatchObject({ stage: 4, slug: "reverse-proxy", ok: true, upSeconds: 1260, readySeconds: 42 });
        expect(record.monthlyAtMinimum).toBeGreaterThan(50);
        expect(record.perHour).toBeCloseTo(record.monthlyAtMinimum / 730, 1);
        expect(summaryRow(record)).toBe(
            `| 4 reverse-proxy | proven | 21 min | 42 s | check out 310 ms | $${record.monthlyAtMinimum}/month, $${record.perHour}/hour |`,
        );
        const failed = await proofRecord("4", { ...journey, ok: false, failure: "check out: answered 503" }, undefined, plan);
        expect(summaryRow(failed)).toContain("| **failed**: check out: answered 503 | - |");
        expect((await proofRecord("4", undefined, 600, plan)).failure).toBe("no journey: `pulumi up` or the journey did not run");
    }, 120_000);
});
