import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { projectRoot } from "../tools/stack-files";

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
}
interface Workflow {
    name: string;
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    jobs: Record<
        string,
        { steps: Step[]; needs?: string | string[]; environment?: string; if?: string; permissions?: Record<string, string>; "runs-on"?: string | string[] }
    >;
}

const dir = path.join(projectRoot, ".github/workflows");
const workflows: Record<string, Workflow> = Object.fromEntries(
    fs.readdirSync(dir).map((f) => [f, parseYaml(fs.readFileSync(path.join(dir, f), "utf8")) as Workflow]),
);
/** A run block as bash sees it, with GitHub's expressions stood in for by a word. */
const shell = (run: string) => run.replace(/\$\{\{[^}]*\}\}/g, "expr");

describe("CI workflows", () => {
    it("pins every action to a major version and writes every run block in valid bash", () => {
        for (const [file, workflow] of Object.entries(workflows)) {
            for (const [job, { steps }] of Object.entries(workflow.jobs)) {
                for (const step of steps) {
                    if (step.uses) expect([file, job, step.uses]).toEqual([file, job, expect.stringMatching(/^[\w-]+\/[\w-]+@v\d+$/)]);
                    if (step.run) expect([file, job, spawnSync("bash", ["-n"], { input: shell(step.run), encoding: "utf8" }).stderr]).toEqual([file, job, ""]);
                }
            }
        }
    });

    it("tests and diffs pull requests without secrets, with the policy and the preflight, hands the diff to a workflow that edits one comment", () => {
        const pr = workflows["pull-request.yml"];
        expect(Object.keys(pr.on)).toEqual(["pull_request"]);
        expect(pr.permissions).toEqual({ contents: "read" });
        expect(pr.jobs.test.steps.some((s) => s.run === "bash .ci/run")).toBe(true);
        const diff = pr.jobs["plan-diff"].steps.map((s) => s.run ?? "").join("\n");
        expect(diff).toContain('npm run -s plan -- --stack "$stack" --diff "base-$stack.json" --policy --preflight');
        expect(diff).toMatch(/^\s*5\) verdict="\*\*preflight violation/m);
        expect(JSON.stringify(pr.jobs["plan-diff"])).not.toContain("secrets.");
        const comment = workflows["plan-comment.yml"];
        expect(comment.on).toEqual({ workflow_run: { workflows: [pr.name], types: ["completed"] } });
        const script = String(comment.jobs.comment.steps.find((s) => s.uses?.startsWith("actions/github-script"))!.with!.script);
        expect(script).toContain("updateComment");
        expect(script).toContain("<!-- shop-evolution plan diff -->");
        expect(diff).toContain("<!-- shop-evolution plan diff -->");
    });

    it("previews with the policy pack where credentials exist, deploys dev from main, and prod only after a promotion", () => {
        const preview = workflows["pull-request.yml"].jobs.preview.steps.find((s) => s.uses?.startsWith("pulumi/actions"))!;
        expect(preview.with).toMatchObject({ command: "preview", diff: true, "comment-on-pr": true, policyPacks: "policy" });
        const main = workflows["main.yml"];
        expect(main.on).toEqual({ push: { branches: ["main"] } });
        expect(main.jobs["up-dev"].steps.find((s) => s.uses?.startsWith("pulumi/actions"))!.with).toMatchObject({
            command: "up",
            "stack-name": "dev",
            policyPackConfigs: "policy/dev.json",
        });
        expect(main.jobs["up-prod"]).toMatchObject({ environment: "production", if: "needs.promoted.outputs.changed == 'true'" });
        expect(main.jobs.promoted.steps.map((s) => s.run ?? "").join("")).toContain("git diff --quiet HEAD~1 HEAD -- Pulumi.prod.yaml");
    });

    it("runs every `pulumi up` where the private EKS API is reachable (self-hosted runners, never GitHub-hosted), and builds dev's image there with BuildKit", () => {
        const ups = Object.entries(workflows).flatMap(([file, workflow]) =>
            Object.entries(workflow.jobs)
                .filter(([, job]) => job.steps.some((s) => s.uses?.startsWith("pulumi/actions") && s.with?.command === "up"))
                .map(([name, job]) => [file, name, job] as const),
        );
        expect(ups.map(([file, name]) => `${file}:${name}`).sort()).toEqual(["main.yml:up-dev", "main.yml:up-prod"]);
        for (const [file, name, job] of ups) {
            const labels = ([] as string[]).concat(job["runs-on"] ?? []);
            expect([file, name, labels.includes("self-hosted"), labels.some((l) => /^(ubuntu|windows|macos)-/.test(l))]).toEqual([file, name, true, false]);
        }
        const dev = workflows["main.yml"].jobs["up-dev"].steps;
        const buildx = dev.findIndex((s) => s.uses?.startsWith("docker/setup-buildx-action"));
        expect(buildx).toBeGreaterThanOrEqual(0);
        expect(buildx).toBeLessThan(dev.findIndex((s) => s.uses?.startsWith("pulumi/actions")));
    });
});
