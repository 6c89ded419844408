/**
 * A saved plan's JSON (`npm run plan -- --json`), read back for `--diff` and the preflight,
 * and the error for input the user must fix (printed one problem a line, exit status 2).
 */
import * as fs from "node:fs";
import type { Plan } from "./plan";

/**
 * What a plan's JSON holds for a value known only after apply. Here, not in the mock runtime that writes it: the
 * preflight and the diff read it without loading the Pulumi SDK (a preflight answers in a third of the time).
 */
export const unknownText = "(known after apply)";

/** Thrown for input the user must fix: printed one problem a line, exit status 2. */
export class UsageError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
    }
}

/** An earlier plan's JSON, checked for the contract's shape; `label` names the option or command in errors. */
export function readPlanFile(file: string, label: string): Plan {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new UsageError([`${label} ${file}: ${(err as Error).message}`]);
    }
    const plan = parsed as Partial<Plan>;
    if (!plan || !Array.isArray(plan.resources) || typeof plan.stage?.number !== "number" || typeof plan.stack !== "string") {
        throw new UsageError([`${label} ${file}: not a plan's JSON (npm run plan -- --stack <stack> --json)`]);
    }
    // Plans saved before dependsOn was recorded read as depending on nothing.
    return { ...(plan as Plan), resources: (plan as Plan).resources.map((r) => ({ ...r, dependsOn: r.dependsOn ?? [] })) };
}
