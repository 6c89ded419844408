import * as fs from "node:fs";
import * as path from "node:path";
import { allowedStages, Capability, findStage, stages, stageSwitchingOn, switchedOn } from "../stacks/registry";
import { readmePath, switchesOnCell } from "../tools/readme";
import { projectRoot } from "../tools/project-root";

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

    describe("what each stage switches on", () => {
        const capabilities = stages.flatMap((s) => Object.keys(s.switchesOn) as Capability[]);

        it("switches each capability on at one stage, and keeps it on after", () => {
            expect(new Set(capabilities).size).toBe(capabilities.length);
            for (const capability of capabilities) {
                const first = stageSwitchingOn(capability).number;
                expect(stages.map((s) => switchedOn(s, capability))).toEqual(stages.map((s) => s.number >= first));
                expect(switchedOn(first, capability)).toBe(true);
            }
            expect(stageSwitchingOn("layer4Balancer").slug).toBe("l4-balancer");
            expect(() => switchedOn(16, "cache")).toThrow(/there is no stage 16/);
        });

        it("points each capability to the file that builds it, which tells of that stage", () => {
            for (const stage of stages) {
                for (const [capability, file] of Object.entries(stage.switchesOn)) {
                    const text = fs.readFileSync(path.join(projectRoot, file!), "utf8");
                    expect([capability, file, new RegExp(`\\bstage ${stage.number}\\b`, "i").test(text)]).toEqual([capability, file, true]);
                }
            }
        });

        it("is what the program asks: every capability is read by switchedOn in stacks/, and no stage number is compared there", () => {
            const sources = (dir: string): string[] =>
                fs
                    .readdirSync(dir, { withFileTypes: true })
                    .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
            const code = sources(path.join(projectRoot, "stacks"))
                .filter((file) => !file.endsWith("registry.ts"))
                .map((file) => fs.readFileSync(file, "utf8"))
                .join("\n");
            for (const capability of capabilities) expect([capability, code.includes(`"${capability}")`)]).toEqual([capability, true]);
            expect(code).not.toMatch(/stage(\.number)?\s*(>=|<=|===|!==|>|<)\s*\d/);
        });

        it("agrees with the README's stage table, row by row", () => {
            const readme = fs.readFileSync(readmePath, "utf8");
            const table = readme.slice(readme.indexOf("<!-- generated:stages -->"), readme.indexOf("<!-- /generated:stages -->"));
            const rows = table.split("\n").filter((line) => /^\| \d+ \|/.test(line));
            const cells = (line: string) => line.split(" | ").map((c) => c.replace(/^\| |\s\|$/g, ""));
            expect(rows.map((row) => [cells(row)[0], cells(row)[1], cells(row)[5]])).toEqual(
                stages.map((s) => [String(s.number), `\`${s.slug}\``, switchesOnCell(s)]),
            );
        });
    });
});
