import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
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
    jobs: Record<string, { steps: Step[]; needs?: string | string[]; environment?: string; if?: string; permissions?: Record<string, string> }>;
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
});
