import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { execFileSync } from "node:child_process";
import { pulumiCli } from "../tools/deployed-state";
import { planning, promote, rollback, stepBack } from "../tools/promote";
import { projectRoot } from "../tools/project-root";
import { sharedConfigPlan } from "./support/shared-plans";

// Each plan of a stack file once a run, by the plan worker, and kept as its plans are: promotion plans the same files again and again.
planning.planConfig = sharedConfigPlan;

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

/** A `pulumi` on PATH that records its arguments and answers from files: dev's history, its image, prod's preview. */
function fakePulumi(answers: { history: unknown[]; image?: string; preview?: unknown }) {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
    const calls = path.join(bin, "calls");
    fs.writeFileSync(path.join(bin, "history.json"), JSON.stringify(answers.history));
    fs.writeFileSync(path.join(bin, "preview.json"), JSON.stringify(answers.preview ?? { steps: [], changeSummary: { same: 40 } }));
    fs.writeFileSync(
        path.join(bin, "pulumi"),
        [
            "#!/bin/sh",
            `echo "$*" >> ${calls}`,
            'case "$1 $2" in',
            `  "stack history") cat ${path.join(bin, "history.json")} ;;`,
            `  "stack output") ${answers.image ? `echo ${answers.image}` : "exit 255"} ;;`,
            `  preview*) cat ${path.join(bin, "preview.json")} ;;`,
            "  *) exit 1 ;;",
            "esac",
        ].join("\n"),
        { mode: 0o755 },
    );
    return { pulumi: path.join(bin, "pulumi"), calls: () => fs.readFileSync(calls, "utf8").trim().split("\n"), bin };
}

const updateEntry = (version: number, result: string) => ({ kind: "update", result, version, environment: {} });

describe("promotion against what runs", () => {
    const made: string[] = [];
    afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    const at = (...args: Parameters<typeof stacksAt>) => {
        const dir = stacksAt(...args);
        made.push(dir);
        return dir;
    };

    it("reads dev's history and image and previews prod's real state with the written file, through the CLI", async () => {
        const dir = at("separate-db", "single-server");
        const fake = fakePulumi({ history: [{ kind: "refresh", result: "failed" }, updateEntry(7, "succeeded")], image: digest });
        made.push(fake.bin);
        const result = await promote("dev", "prod", dir, undefined, pulumiCli(fake.pulumi, dir));
        expect(result.status).toBe(0);
        expect(fake.calls()).toEqual([
            "stack history --stack dev --json --show-secrets=false",
            "stack output image --stack dev",
            `preview --stack prod --cwd ${dir} --json --non-interactive`,
        ]);
        expect(result.lines).toContain("dev's last update (version 7) succeeded");
        expect(result.lines).toContain("state preview of prod: 40 same");
        expect(parseYaml(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8")).config["shop-evolution:image"]).toBe(digest);
    }, 120_000);

    it("refuses while dev's last update failed, before planning anything", async () => {
        const dir = at("separate-db", "single-server");
        const fake = fakePulumi({ history: [updateEntry(8, "failed"), updateEntry(7, "succeeded")], image: digest });
        made.push(fake.bin);
        expect(await promote("dev", "prod", dir, undefined, pulumiCli(fake.pulumi, dir))).toEqual({
            status: 2,
            lines: ["refused: dev's last update (version 8) failed: what it runs may not be what its outputs say; fix dev first"],
        });
        expect(fake.calls().some((c) => c.startsWith("preview"))).toBe(false);
    });

    it("undoes the write when prod's real state would lose data, which the stack files cannot show", async () => {
        const dir = at("separate-db", "single-server");
        const before = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        const urn = "urn:pulumi:prod::shop-evolution::aws:rds/cluster:Cluster::shop-db-us-east-1";
        const fake = fakePulumi({
            history: [updateEntry(3, "succeeded")],
            image: digest,
            preview: { steps: [{ op: "replace", urn }], changeSummary: { replace: 1 } },
        });
        made.push(fake.bin);
        const result = await promote("dev", "prod", dir, undefined, pulumiCli(fake.pulumi, dir));
        expect(result.status).toBe(3);
        expect(result.lines).toContain("!! DATA AT RISK: replace aws:rds/cluster:Cluster shop-db-us-east-1");
        expect(result.lines.at(-1)).toBe("refused: against what prod runs, the change would remove or replace data; nothing written");
        expect(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8")).toBe(before);
    }, 120_000);

    it("says what it could not check where no CLI answers", async () => {
        const dir = at("separate-db", "single-server");
        const result = await promote("dev", "prod", dir, { image: digest }, pulumiCli(path.join(dir, "no-such-pulumi"), dir));
        expect(result.status).toBe(0);
        expect(result.lines).toContain("dev's last update: not checked (no Pulumi credentials)");
        expect(result.lines).toContain("state preview of prod: not run (no Pulumi credentials): the diff above compares stack files, not what prod runs");
    }, 120_000);
});

/** Commits each version of prod's stack file in turn into a git repository of its own, as its history. */
function prodHistory(dir: string, images: string[]): void {
    const git = (...args: string[]) =>
        execFileSync("git", ["-C", dir, "-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { stdio: "pipe" });
    git("init", "-q");
    const file = path.join(dir, "Pulumi.prod.yaml");
    const text = fs.readFileSync(file, "utf8").replace(/\n {2}shop-evolution:image: .*/, "");
    for (const image of images) {
        fs.writeFileSync(file, text.replace("config:\n", `config:\n  shop-evolution:image: ${image}\n`));
        git("add", "-A");
        git("commit", "-q", "--allow-empty", "-m", `prod runs ${image}`);
    }
}

/** A `pulumi` on PATH that answers `pulumi stack history --json` with these updates (and fails anything else), as the CLI does with credentials. */
function fakeHistoryOnPath(updates: { image: string; result: string }[] | "no credentials"): () => void {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
    const history =
        updates === "no credentials"
            ? undefined
            : updates.map((u, i) => ({
                  version: updates.length - i,
                  kind: "update",
                  result: u.result,
                  config: { "shop-evolution:image": { value: u.image, secret: false } },
              }));
    fs.writeFileSync(path.join(bin, "history.json"), JSON.stringify(history ?? []));
    fs.writeFileSync(
        path.join(bin, "pulumi"),
        history
            ? `#!/bin/sh\n[ "$1 $2" = "stack history" ] || exit 1\ncat "${bin}/history.json"\n`
            : `#!/bin/sh\necho "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions" >&2\nexit 255\n`,
        { mode: 0o755 },
    );
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    return () => {
        process.env.PATH = saved;
        fs.rmSync(bin, { recursive: true, force: true });
    };
}

describe("going back: the image prod ran before, and one stage back", () => {
    const dirs: string[] = [];
    afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    const at = (...args: Parameters<typeof stacksAt>) => {
        const dir = stacksAt(...args);
        dirs.push(dir);
        return dir;
    };
    const older = `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:${"0a".repeat(32)}`;
    const bad = `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:${"0b".repeat(32)}`;

    it("puts back the digest of the previous commit of Pulumi.prod.yaml, confirmed by the stack's history, with the diff, stage unchanged", async () => {
        const dir = at("cache", "cache");
        prodHistory(dir, [older, older, bad]);
        const restore = fakeHistoryOnPath([
            { image: bad, result: "succeeded" },
            { image: older, result: "succeeded" },
        ]);
        try {
            const result = await rollback("prod", dir);
            expect(result.status).toBe(0);
            expect(result.lines[0]).toBe(`rollback of prod: image ${bad} -> ${older}; stage 3 (cache) unchanged`);
            expect(result.lines[1]).toMatch(/^note: the previous image comes from Pulumi.prod.yaml at commit [0-9a-f]{12}$/);
            expect(result.lines).toContain("note: the stack's history confirms prod ran it");
            expect(result.lines.join("\n")).toMatch(/prod stage 3 \(cache\) -> prod stage 3 \(cache\): \d+ to add, \d+ to remove, \d+ to change/);
            const written = parseYaml(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8")).config;
            expect(written).toMatchObject({ "shop-evolution:image": older, "shop-evolution:stage": "cache" });
        } finally {
            restore();
        }
    }, 300_000);

    it("refuses a digest the stack's history never ran, a history without an earlier image, and says when the history cannot be read", async () => {
        const dir = at("cache", "cache");
        prodHistory(dir, [older, bad]);
        let restore = fakeHistoryOnPath([
            { image: bad, result: "succeeded" },
            { image: older, result: "failed" },
        ]);
        try {
            expect(await rollback("prod", dir)).toEqual({
                status: 2,
                lines: [
                    `refused: ${older} is in git's history of prod but no successful update of the stack ran it: give the digest with --image if you mean it`,
                ],
            });
        } finally {
            restore();
        }
        const single = at("cache", "cache");
        prodHistory(single, [bad]);
        expect((await rollback("prod", single, { dir: single, readDeployed: () => [bad] })).lines).toEqual([
            `refused: no earlier image in Pulumi.prod.yaml's git history (every commit names ${bad}); give the digest to go back to with --image`,
        ]);
        restore = fakeHistoryOnPath("no credentials");
        try {
            // Without credentials the check is git's alone, and the output says so; --image names the digest outright.
            const { lines } = await rollback("prod", dir, { image: "shop:previous" });
            expect(lines).toEqual(["refused: the image shop:previous is not pinned by digest (repo@sha256:...): roll back to what ran, byte for byte"]);
            const deployed = (await import("../tools/image-history")).deployedImages("prod", dir);
            expect(deployed).toBeUndefined();
        } finally {
            restore();
        }
    }, 300_000);

    it("steps back a stage whose plan puts no data at risk, and refuses one that would, saying what to move first", async () => {
        const safe = at("read-replicas", "read-replicas", { "shop-evolution:image": digest });
        const back = await stepBack("prod", safe);
        expect(back.status).toBe(0);
        expect(back.lines[0]).toBe("step back of prod: stage 5 (read-replicas) -> 4 (reverse-proxy); image unchanged");
        expect(back.lines[1]).toContain("removes the Aurora readers (the cluster and its data stay)");
        expect(parseYaml(fs.readFileSync(path.join(safe, "Pulumi.prod.yaml"), "utf8")).config).toMatchObject({
            "shop-evolution:stage": "reverse-proxy",
            "shop-evolution:image": digest,
        });

        const unsafe = at("business-split", "business-split", { "shop-evolution:image": digest });
        const refused = await stepBack("prod", unsafe);
        expect(refused.status).toBe(3);
        expect(refused.lines[1]).toContain("Copy each domain's tables back into the first cluster");
        expect(refused.lines.join("\n")).toMatch(/DATA AT RISK|data at risk/i);
        expect(refused.lines.slice(-2)).toEqual([
            "refused: the change would remove or replace data in prod; nothing written",
            "move the data first as the note says, retire what holds it, then step back",
        ]);
        expect(parseYaml(fs.readFileSync(path.join(unsafe, "Pulumi.prod.yaml"), "utf8")).config["shop-evolution:stage"]).toBe("business-split");
    }, 300_000);
});
