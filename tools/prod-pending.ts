/**
 * Whether a stack lags behind what main holds: `npm run -s prod-pending -- --stack <org/project/stack>
 * [--file Pulumi.prod.yaml]` prints `pending=true|false` and `since=<commit>` (lines for
 * $GITHUB_OUTPUT), and why on stderr. It compares the stack file at HEAD with the one at the commit of
 * the stack's last successful update (from `pulumi stack history`), so a push of several commits, or
 * an earlier failed `pulumi up`, still deploys: comparing HEAD with its parent alone misses both.
 */
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";

/** One entry of `pulumi stack history --json`, as far as this reads it. */
interface UpdateEntry {
    kind?: string;
    result?: string;
    version?: number;
    environment?: Record<string, string>;
}

export interface PendingVerdict {
    pending: boolean;
    /** The commit of the last successful update, when there is one. */
    since?: string;
    why: string;
}

/** The last successful update of `stack` and the commit it ran from (newest first in the history). */
export function lastSuccessfulUpdate(stack: string, pulumi = "pulumi"): { version?: number; commit?: string } | undefined {
    const history = JSON.parse(
        execFileSync(pulumi, ["stack", "history", "--stack", stack, "--json", "--show-secrets=false"], { encoding: "utf8" }),
    ) as UpdateEntry[];
    const update = history.find((u) => u.kind === "update" && u.result === "succeeded");
    return update && { version: update.version, commit: update.environment?.["git.head"] };
}

export function prodPending(stack: string, file: string, options: { pulumi?: string; cwd?: string } = {}): PendingVerdict {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: options.cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const last = lastSuccessfulUpdate(stack, options.pulumi);
    if (!last) return { pending: true, why: `${stack} has no successful update yet` };
    if (!last.commit) return { pending: true, why: `${stack}'s last successful update (version ${last.version}) records no commit` };
    try {
        git("cat-file", "-e", `${last.commit}^{commit}`);
    } catch {
        return {
            pending: true,
            since: last.commit,
            why: `${last.commit}, the commit of ${stack}'s last successful update, is not in this clone (fetch-depth: 0)`,
        };
    }
    try {
        git("diff", "--quiet", last.commit, "HEAD", "--", file);
        return { pending: false, since: last.commit, why: `${file} is as it was at ${last.commit}, ${stack}'s last successful update` };
    } catch {
        return { pending: true, since: last.commit, why: `${file} changed since ${last.commit}, ${stack}'s last successful update` };
    }
}

if (require.main === module) {
    const { values } = parseArgs({ options: { stack: { type: "string" }, file: { type: "string" } }, strict: true });
    if (!values.stack) {
        process.stderr.write("usage: npm run -s prod-pending -- --stack <org/project/stack> [--file Pulumi.prod.yaml]\n");
        process.exit(2);
    }
    const verdict = prodPending(values.stack, values.file ?? "Pulumi.prod.yaml");
    process.stdout.write(`pending=${verdict.pending}\nsince=${verdict.since ?? ""}\n`);
    process.stderr.write(`${verdict.why}\n`);
}
