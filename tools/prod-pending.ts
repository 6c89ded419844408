/**
 * Whether a stack lags behind what main holds: `npm run -s prod-pending -- --stack <org/project/stack>
 * [--file Pulumi.prod.yaml]` prints `pending=true|false` and `since=<commit>` (lines for
 * $GITHUB_OUTPUT), and why on stderr. It compares the stack file at HEAD with the one at the commit of
 * the stack's last successful update (from `pulumi stack history`), so a push of several commits, or
 * an earlier failed `pulumi up`, still deploys: comparing HEAD with its parent alone misses both.
 */
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { lastSuccessfulUpdate, pulumiCli } from "./deployed-state";

export interface PendingVerdict {
    pending: boolean;
    /** The commit of the last successful update, when there is one. */
    since?: string;
    why: string;
}

export function prodPending(stack: string, file: string, options: { pulumi?: string; cwd?: string } = {}): PendingVerdict {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: options.cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const history = pulumiCli(options.pulumi).history(stack);
    // Deploying on a guess would be worse than stopping: the job fails, naming what it could not read.
    if (!history) throw new Error(`\`pulumi stack history --stack ${stack}\` failed: no credentials, or no such stack`);
    const last = lastSuccessfulUpdate(history);
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
