import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { prodPending } from "../tools/prod-pending";

const fixtureDirs: string[] = [];
afterAll(() => fixtureDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A repository with a stack file changed over three commits, and a `pulumi` that answers a given history. */
function fixture(history: (commits: string[]) => unknown[]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prod-pending-"));
    fixtureDirs.push(dir);
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
    git("init", "-q");
    git("config", "user.email", "ci@example.com");
    git("config", "user.name", "ci");
    const commits: string[] = [];
    for (const [file, text] of [
        ["Pulumi.prod.yaml", "stage: 4\n"],
        ["README.md", "docs\n"],
        ["Pulumi.prod.yaml", "stage: 5\n"],
    ]) {
        fs.writeFileSync(path.join(dir, file), text);
        git("add", ".");
        git("commit", "-qm", file);
        commits.push(git("rev-parse", "HEAD"));
    }
    const calls = path.join(dir, "calls");
    const pulumi = path.join(dir, "pulumi");
    fs.writeFileSync(pulumi, `#!/bin/sh\necho "$@" >> ${calls}\ncat ${path.join(dir, "history.json")}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "history.json"), JSON.stringify(history(commits)));
    return { dir, commits, pulumi, calls: () => fs.readFileSync(calls, "utf8").trim() };
}

const update = (version: number, result: string, head?: string) => ({ kind: "update", result, version, environment: head ? { "git.head": head } : {} });

describe("prod pending", () => {
    it("compares the stack file with the commit of the last successful update, not with HEAD's parent", () => {
        // Deployed at the first commit, and the update of the last one failed: the file changed since the last success.
        const f = fixture((c) => [update(3, "failed", c[2]), update(2, "succeeded", c[0])]);
        expect(prodPending("org/shop-evolution/prod", "Pulumi.prod.yaml", { pulumi: f.pulumi, cwd: f.dir })).toMatchObject({
            pending: true,
            since: f.commits[0],
        });
        expect(f.calls()).toBe("stack history --stack org/shop-evolution/prod --json --show-secrets=false");
    });

    it("retries after a failed update and is not pending once the last success ran the current file", () => {
        const failed = fixture((c) => [update(5, "failed", c[2]), update(4, "succeeded", c[1])]);
        // A push whose last commit does not touch the file, after a failed up: HEAD~1 -> HEAD sees nothing; this sees the change.
        expect(prodPending("p", "Pulumi.prod.yaml", { pulumi: failed.pulumi, cwd: failed.dir }).pending).toBe(true);
        const done = fixture((c) => [update(6, "succeeded", c[2])]);
        expect(prodPending("p", "Pulumi.prod.yaml", { pulumi: done.pulumi, cwd: done.dir })).toMatchObject({ pending: false });
        const docsOnly = fixture((c) => [update(6, "succeeded", c[1])]);
        expect(prodPending("p", "README.md", { pulumi: docsOnly.pulumi, cwd: docsOnly.dir }).pending).toBe(false);
    });

    it("deploys a stack with no successful update, or whose commit the clone lacks", () => {
        expect(prodPending("p", "Pulumi.prod.yaml", { pulumi: fixture(() => []).pulumi, cwd: os.tmpdir() })).toMatchObject({ pending: true });
        const f = fixture(() => [update(1, "succeeded", "0".repeat(40))]);
        expect(prodPending("p", "Pulumi.prod.yaml", { pulumi: f.pulumi, cwd: f.dir }).why).toMatch(/not in this clone/);
    });
});
