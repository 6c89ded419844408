import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { projectRoot } from "../tools/project-root";

interface Step {
    uses?: string;
    if?: string;
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

    it("previews each stack's state with its read-only role where credentials exist, failing on stateful replacements", () => {
        const job = workflows["pull-request.yml"].jobs.preview;
        const preview = job.steps.find((s) => s.uses?.startsWith("pulumi/actions"))!;
        expect(preview.with).toMatchObject({ command: "preview", "stack-name": "${{ env.STACK }}", diff: true, "comment-on-pr": true, policyPacks: "policy" });
        expect(JSON.stringify(job)).toContain("${{ vars.PULUMI_ORG }}/shop-evolution/${{ matrix.stack }}");
        expect(job.steps.find((s) => s.uses?.startsWith("aws-actions"))!.with!["role-to-assume"]).toBe("${{ secrets.AWS_READ_ROLE_ARN }}");
        expect(job.steps.map((s) => s.run ?? "").join("\n")).toContain("npm run -s stateful-steps -- preview.json");
        // The offline diff's job fails on data at risk, a mandatory violation or a preflight violation, after the comment's artifact is uploaded.
        const diff = workflows["pull-request.yml"].jobs["plan-diff"].steps;
        const upload = diff.findIndex((s) => s.uses?.startsWith("actions/upload-artifact"));
        const fail = diff.findIndex((s) => s.if === "steps.diff.outputs.status != '0'");
        expect(upload).toBeGreaterThan(0);
        expect(fail).toBeGreaterThan(upload);
        expect(diff.map((s) => s.run ?? "").join("\n")).toContain("--redact --max-chars 30000");
    });

    it("deploys dev from main, and prod only the plan its approver saw, when its file changed since its last successful update", () => {
        const main = workflows["main.yml"];
        expect(main.on).toEqual({ push: { branches: ["main"] } });
        const jobs = main.jobs;
        expect(jobs["up-dev"].steps.find((s) => s.uses?.startsWith("pulumi/actions"))!.with).toMatchObject({
            command: "up",
            "stack-name": "${{ env.DEV_STACK }}",
            policyPackConfigs: "policy/dev.json",
        });
        expect(jobs["prod-pending"].steps.map((s) => s.run ?? "").join("")).toContain('npm run -s prod-pending -- --stack "$PROD_STACK"');
        expect(JSON.stringify(main)).not.toContain("HEAD~1");
        expect(jobs["preview-prod"]).toMatchObject({ needs: "prod-pending", if: "needs.prod-pending.outputs.pending == 'true'", environment: "prod-read" });
        expect(jobs["preview-prod"].steps.find((s) => s.uses?.startsWith("pulumi/actions"))!.with).toMatchObject({
            command: "preview",
            refresh: true,
            plan: "prod-update-plan.json",
        });
        expect(jobs["up-prod"]).toMatchObject({ needs: "preview-prod", environment: "production" });
        expect(jobs["up-prod"].steps.find((s) => s.uses?.startsWith("pulumi/actions"))!.with).toMatchObject({ command: "up", plan: "prod-update-plan.json" });
        expect(jobs["up-prod"].steps.find((s) => s.uses?.startsWith("aws-actions"))!.with!["role-to-assume"]).toBe("${{ secrets.AWS_DEPLOY_ROLE_ARN }}");
        expect(jobs["prod-lag"].steps.map((s) => s.run ?? "").join("")).toContain("--expect-no-changes");
        // Deploys run where the clusters' private API is reachable.
        const runner = (job: string) => (jobs[job] as { "runs-on"?: unknown })["runs-on"];
        expect(runner("up-dev")).toEqual(["self-hosted", "linux", "shop-deploy-dev"]);
        for (const job of ["preview-prod", "up-prod", "prod-lag"]) expect(runner(job)).toEqual(["self-hosted", "linux", "shop-deploy-prod"]);
    });

    it("looks for drift and runs the policy pack over what is deployed, every day, with read-only roles, failing on a finding", () => {
        const drift = workflows["drift.yml"];
        expect(drift.on).toMatchObject({ schedule: [{ cron: expect.any(String) }] });
        const runs = drift.jobs.drift.steps.map((s) => s.run ?? "").join("\n");
        expect(runs).toMatch(/pulumi refresh --stack "\$STACK" --preview-only --expect-no-changes/);
        expect(runs).toMatch(/pulumi policy analyze --stack "\$STACK" --policy-pack policy/);
        expect(runs).toContain("redact(");
        const aws = drift.jobs.drift.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"))!;
        expect(aws.with!["role-to-assume"]).toBe("${{ secrets.AWS_READ_ROLE_ARN }}");
        expect(JSON.stringify(drift)).not.toMatch(/DEPLOY_ROLE|AWS_ROLE_ARN|AWS_PROD_ROLE_ARN/);
        expect(drift.jobs.drift.steps.at(-1)).toMatchObject({ if: expect.stringContaining("status != '0'"), run: expect.stringContaining("exit 1") });
    });

    it("proves tonight's stages one by one in throwaway stacks running dev's image, walks a journey through the public entry, records it and always destroys", () => {
        const proof = workflows["stage-proof.yml"];
        expect(proof.on).toMatchObject({ schedule: [{ cron: expect.any(String) }], workflow_dispatch: { inputs: { stages: expect.anything() } } });
        const prove = proof.jobs.prove as (typeof proof.jobs)[string] & { strategy: any; env: Record<string, string> };
        expect(prove.needs).toEqual(["tonight", "sweep"]);
        expect(prove.strategy).toMatchObject({ "fail-fast": false, "max-parallel": 1, matrix: { stage: "${{ fromJSON(needs.tonight.outputs.stages) }}" } });
        expect(prove.env.STACK).toBe("${{ vars.PULUMI_ORG }}/shop-evolution/proof-${{ matrix.stage }}-${{ github.run_id }}");
        expect(prove.env.DOMAIN).toBe("s${{ matrix.stage }}-${{ github.run_id }}.${{ vars.PROOF_ZONE }}");
        const steps = prove.steps;
        const at = (pattern: RegExp) => steps.findIndex((s) => pattern.test(s.run ?? ""));
        const [init, up, journey, record, destroy] = [/pulumi stack init/, /pulumi up /, /npm run -s journey/, /stage-proof -- record/, /pulumi destroy/].map(
            at,
        );
        expect([init, up, journey, record, destroy].every((i) => i >= 0)).toBe(true);
        expect(init < up && up < journey && journey < record && record < destroy).toBe(true);
        expect(steps[init].run).toContain('pulumi config set shop-evolution:image "$image"');
        expect(steps[init].run).toContain('pulumi config set shop-evolution:domain "$DOMAIN"');
        for (const i of [record, destroy]) expect(steps[i].if).toBe("always()");
        expect(steps.at(-1)).toMatchObject({ if: "always()", uses: expect.stringMatching(/^actions\/upload-artifact@/) });
        expect(proof.jobs.tonight.steps.map((s) => s.run ?? "").join("\n")).toContain("npm run -s stage-proof -- tonight");
        expect(proof.jobs.sweep.steps.map((s) => s.run ?? "").join("\n")).toContain("npm run -s stage-proof -- leftovers");
    });

    it("passes the workflow schema validator, every file", () => {
        const validator = path.join(projectRoot, "node_modules/.bin/action-validator");
        for (const file of Object.keys(workflows)) {
            const result = spawnSync(validator, [path.join(dir, file)], { encoding: "utf8" });
            expect([file, result.status, result.stdout + result.stderr]).toEqual([file, 0, ""]);
        }
    });

    describe("the plan comment", () => {
        const script = String(workflows["plan-comment.yml"].jobs.comment.steps.find((s) => s.uses?.startsWith("actions/github-script"))!.with!.script);
        /** Runs the comment step as actions/github-script would, in a directory holding the artifact, against a recording client. */
        async function comment(artifact: { prNumber: string; body: string }, pullHeads: Record<number, string>, runHead: string) {
            const work = fs.mkdtempSync(path.join(os.tmpdir(), "plan-comment-"));
            fs.writeFileSync(path.join(work, "pr-number"), artifact.prNumber);
            fs.writeFileSync(path.join(work, "comment.md"), artifact.body);
            const calls: string[] = [];
            const github = {
                rest: {
                    pulls: { get: async ({ pull_number }: { pull_number: number }) => ({ data: { head: { sha: pullHeads[pull_number] } } }) },
                    issues: {
                        listComments: "listComments",
                        updateComment: async ({ comment_id }: { comment_id: number }) => calls.push(`update ${comment_id}`),
                        createComment: async ({ issue_number }: { issue_number: number }) => calls.push(`create on ${issue_number}`),
                    },
                },
                paginate: async () => [{ id: 7, user: { type: "Bot" }, body: "<!-- shop-evolution plan diff --> old" }],
            };
            const context = { repo: { owner: "o", repo: "r" }, payload: { workflow_run: { head_sha: runHead } } };
            const cwd = process.cwd();
            process.chdir(work);
            try {
                const body = new Function("github", "context", "require", `return (async () => {\n${script}\n})();`);
                await body(github, context, require);
                return calls;
            } finally {
                process.chdir(cwd);
                fs.rmSync(work, { recursive: true, force: true });
            }
        }
        const diff = "<!-- shop-evolution plan diff -->\n### Offline plan";

        it("edits the one comment of the pull request whose head is the run's commit", async () => {
            expect(await comment({ prNumber: "12", body: diff }, { 12: "abc" }, "abc")).toEqual(["update 7"]);
        });

        it("refuses an artifact that names another pull request than the run's commit heads", async () => {
            await expect(comment({ prNumber: "13", body: diff }, { 12: "abc", 13: "def" }, "abc")).rejects.toThrow(
                /#13 has head def, not this run's commit abc/,
            );
        });

        it("refuses what is not a plan diff, or too long for a comment", async () => {
            await expect(comment({ prNumber: "12", body: "hello" }, { 12: "abc" }, "abc")).rejects.toThrow(/not a plan diff/);
            await expect(comment({ prNumber: "12", body: diff + "x".repeat(70_000) }, { 12: "abc" }, "abc")).rejects.toThrow(/over a comment's 65,536/);
        });
    });

    it("runs every `pulumi up` where the private EKS API is reachable (self-hosted runners, never GitHub-hosted), and builds dev's image there with BuildKit", () => {
        const ups = Object.entries(workflows).flatMap(([file, workflow]) =>
            Object.entries(workflow.jobs)
                .filter(([, job]) =>
                    job.steps.some((s) => (s.uses?.startsWith("pulumi/actions") && s.with?.command === "up") || /\bpulumi (up|destroy) --/.test(s.run ?? "")),
                )
                .map(([name, job]) => [file, name, job] as const),
        );
        expect(ups.map(([file, name]) => `${file}:${name}`).sort()).toEqual([
            "main.yml:up-dev",
            "main.yml:up-prod",
            "stage-proof.yml:prove",
            "stage-proof.yml:sweep",
        ]);
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
