/**
 * The preflight: checks a plan against the rules that AWS and the provider enforce only at
 * apply time (tools/preflight-rules.ts), which neither the mock runtime nor `pulumi preview`
 * runs. `npm run plan -- --stack <s> --stage <n> --preflight` checks a fresh plan;
 * `npm run preflight -- <plan.json> [--previous <old.json>] [--date <YYYY-MM-DD>]` a saved one.
 * Exit status 5 on any violation, one line each naming the resource, the rule, the error it
 * prevents and the rule's source; 2 for a file that is not a plan's JSON.
 */
import { parseArgs } from "node:util";
import type { Plan } from "./plan";
import { readPlanFile, UsageError } from "./plan-file";
import { continuedFrom } from "./plan-diff";
import { PlanResource, PreflightContext, PreflightRule, preflightRules } from "./preflight-rules";

export const preflightExitStatus = 5;

export interface Violation {
    rule: string;
    urn: string;
    type: string;
    name: string;
    message: string;
    prevents: string;
    source: string;
}

export interface PreflightOptions {
    /** The plan this one replaces: its removals and changes are checked too. */
    previous?: Plan;
    /** The day to check for. @default today */
    now?: Date;
    rules?: PreflightRule[];
}

const appliesTo = (rule: PreflightRule, type: string) => rule.types.some((t) => t === type || (t.endsWith("*") && type.startsWith(t.slice(0, -1))));

/** Every violation of the rules by the plan (and, with a previous plan, by the change from it). */
export function preflight(plan: Plan, options: PreflightOptions = {}): Violation[] {
    const rules = options.rules ?? preflightRules;
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const reachable = new Map<string, Set<string>>();
    // Everything a resource depends on, directly or through what it depends on (the plan's dependsOn is acyclic).
    const closure = (urn: string): Set<string> => {
        const known = reachable.get(urn);
        if (known) return known;
        const all = new Set<string>();
        reachable.set(urn, all);
        for (const dependency of byUrn.get(urn)?.dependsOn ?? []) {
            all.add(dependency);
            for (const further of closure(dependency)) all.add(further);
        }
        return all;
    };
    const context: PreflightContext = {
        plan,
        byUrn,
        now: options.now ?? new Date(),
        // The old resource each one continues, by URN or by an alias naming the old URN.
        previous: options.previous && continuedFrom(options.previous, plan),
        reaches: (resource, matches) =>
            [...closure(resource.urn)].some((urn) => {
                const other = byUrn.get(urn);
                return other !== undefined && matches(other);
            }),
    };
    const violation = (rule: PreflightRule, r: PlanResource, message: string): Violation => ({
        rule: rule.id,
        urn: r.urn,
        type: r.type,
        name: r.name,
        message,
        prevents: rule.prevents,
        source: rule.source,
    });
    const kept = new Set([...(context.previous?.values() ?? [])].map((r) => r.urn));
    const removed = options.previous?.resources.filter((r) => !kept.has(r.urn)) ?? [];
    return rules.flatMap((rule) => [
        ...(rule.check ? plan.resources.filter((r) => appliesTo(rule, r.type)).flatMap((r) => rule.check!(r, context).map((m) => violation(rule, r, m))) : []),
        ...(rule.checkRemoved
            ? removed.filter((r) => appliesTo(rule, r.type)).flatMap((r) => rule.checkRemoved!(r, context).map((m) => violation(rule, r, m)))
            : []),
    ]);
}

/** The verdict, a line per violation: the resource, the rule, the problem, the error it prevents and the rule's source. */
export function renderPreflight(plan: Plan, violations: Violation[]): string {
    return [
        `preflight (${plan.stack}, stage ${plan.stage.number}): ${violations.length} violation(s)`,
        ...violations.map((v) => `!! ${v.type} "${v.name}": ${v.rule}: ${v.message} -- prevents ${v.prevents} [source: ${v.source}]`),
    ].join("\n");
}

const usage = "usage: npm run preflight -- <plan.json> [--previous <old-plan.json>] [--date <YYYY-MM-DD>]";

function parseCommandLine(argv: string[]): { file: string; previous?: string; now?: Date } {
    let parsed;
    try {
        parsed = parseArgs({ args: argv, options: { previous: { type: "string" }, date: { type: "string" } }, strict: true, allowPositionals: true });
    } catch (err) {
        throw new UsageError([(err as Error).message, usage]);
    }
    const { values, positionals } = parsed;
    const problems = [
        ...(positionals.length !== 1 ? [`give one plan's JSON (got ${positionals.length} files)`] : []),
        ...(values.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.date) ? [`--date must be YYYY-MM-DD (got ${values.date})`] : []),
    ];
    if (problems.length > 0) throw new UsageError([...problems, usage]);
    return { file: positionals[0], previous: values.previous, now: values.date === undefined ? undefined : new Date(`${values.date}T00:00:00Z`) };
}

function main(): void {
    try {
        const options = parseCommandLine(process.argv.slice(2));
        const plan = readPlanFile(options.file, "preflight");
        const previous = options.previous === undefined ? undefined : readPlanFile(options.previous, "--previous");
        const violations = preflight(plan, { previous, now: options.now });
        process.stdout.write(`${renderPreflight(plan, violations)}\n`);
        if (violations.length > 0) process.exitCode = preflightExitStatus;
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(`${err.problems.join("\n")}\n`);
        process.exitCode = 2;
    }
}

if (require.main === module) main();
