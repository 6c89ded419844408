/**
 * The offline plan: `npm run plan -- --stack <dev|prod> [--stage <n|slug>] [--json] [--diff <old.json>]`.
 * Runs the real program under Pulumi's mock runtime, with the stack's config from
 * Pulumi.<stack>.yaml, and prints the resources it would register: a tree, or the JSON
 * of the plan contract (docs/contracts.md), or with --diff what changes against an earlier plan's
 * JSON (exit status 3 when a stateful resource would be removed or replaced); --policy adds
 * the policy pack's verdict (exit status 4 on a mandatory violation), --preflight the rules AWS
 * and the provider enforce only at apply time (exit status 5 on a violation; with --diff, the
 * change from the earlier plan is checked too), --cost the monthly cost and the users the stack
 * carries. Bad config
 * exits with status 2 and one line per problem on stderr, before anything is registered.
 */
import { parseArgs } from "node:util";
import { InvalidArgsError } from "../components/validation";
import { ConfigError, parseStackConfig, project } from "../stacks/config";
import program = require("../index");
import { MockRunResult, PlannedResource, runUnderMocks } from "./mock-runtime";
import { evaluate } from "../policy/rules";
import { CostError, costOf, renderCost } from "./cost";
import { defaultScenario, parseLoad } from "./scenario";
import { diffPlans, renderDiff } from "./plan-diff";
import { readStackConfigFile, StackFileError } from "./stack-files";
import { readPlanFile, UsageError } from "./plan-file";
import { preflight, preflightExitStatus, renderPreflight } from "./preflight";

const usage =
    "usage: npm run plan -- --stack <dev|prod> [--stage <n|slug>] [--json] [--diff <old.json> [--redact] [--max-chars <n>]] [--policy] [--preflight] [--cost [--load <30%|1500rps>]]";

export interface Plan {
    project: string;
    stack: string;
    stage: { number: number; slug: string };
    resources: PlanResource[];
    outputs: Record<string, unknown>;
}

/**
 * A resource of the plan. `inputDependencies` and `aliases` are held in memory only: for the diff
 * to carry a replacement on to the inputs that use it, and to match a resource that moved (to a
 * new parent or name, with `aliases`) to its old URN. The JSON contract (`planJson`) leaves them out.
 */
export type PlanResource = Omit<PlannedResource, "custom" | "provider" | "inputDependencies" | "aliases"> & {
    inputDependencies?: Record<string, string[]>;
    aliases?: string[];
};

/** The plan as the JSON contract (docs/contracts.md) has it. */
export function planJson(plan: Plan): Plan {
    return { ...plan, resources: plan.resources.map(({ inputDependencies: _, aliases: __, ...r }) => r) };
}

/** Plans a stack offline. Throws ConfigError or StackFileError for bad input. */
export async function planStack(stack: string, stageOverride?: string): Promise<Plan> {
    const raw = readStackConfigFile(stack);
    if (stageOverride !== undefined) raw[`${project}:stage`] = stageOverride;
    return planConfig(stack, raw);
}

/** Plans a stack offline from its config as Pulumi holds it. Throws ConfigError for bad input. */
export async function planConfig(stack: string, raw: Record<string, string>): Promise<Plan> {
    const config = parseStackConfig(raw);
    const run = await runUnderMocks(program, { project, stack, config: raw, preview: true });
    return toPlan(stack, config.stage, run);
}

function toPlan(stack: string, stage: { number: number; slug: string }, run: MockRunResult): Plan {
    const root = run.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
    return {
        project,
        stack,
        stage: { number: stage.number, slug: stage.slug },
        resources: run.resources
            .filter((r) => r.urn !== root)
            .map(({ urn, type, name, parent, region, protect, retainOnDelete, inputs, dependsOn, inputDependencies, aliases }) => ({
                urn,
                type,
                name,
                parent: parent === root ? null : parent,
                region,
                protect,
                retainOnDelete,
                inputs,
                dependsOn,
                inputDependencies,
                aliases,
            })),
        outputs: run.outputs,
    };
}

/** The plan as an indented tree of resources, children under their parents. */
export function renderTree(plan: Plan): string {
    const children = new Map<string | null, Plan["resources"]>();
    for (const r of plan.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const lines = [`${plan.project} / ${plan.stack}: stage ${plan.stage.number} (${plan.stage.slug})`];
    const walk = (parent: string | null, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            const marks = [r.region, r.protect ? "protected" : "", r.retainOnDelete ? "retained on delete" : ""].filter(Boolean).join(", ");
            lines.push(`${"  ".repeat(depth)}+ ${r.type} ${r.name}${marks ? `  [${marks}]` : ""}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(null, 1);
    lines.push("", `${plan.resources.length} resources`, "", "Outputs:");
    for (const [key, value] of Object.entries(plan.outputs)) lines.push(`  ${key}: ${JSON.stringify(value)}`);
    return lines.join("\n");
}

interface CommandLine {
    stack: string;
    stage?: string;
    json: boolean;
    diff?: string;
    /** With --diff: account ids, ARNs and endpoints hidden, and at most this many characters (for a pull request's comment). */
    redact: boolean;
    maxChars?: number;
    policy: boolean;
    preflight: boolean;
    cost: boolean;
    load?: string;
}

function parseCommandLine(argv: string[]): CommandLine {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                stage: { type: "string" },
                json: { type: "boolean" },
                diff: { type: "string" },
                redact: { type: "boolean" },
                "max-chars": { type: "string" },
                policy: { type: "boolean" },
                preflight: { type: "boolean" },
                cost: { type: "boolean" },
                load: { type: "string" },
                help: { type: "boolean" },
            },
            strict: true,
            allowPositionals: false,
        });
    } catch (err) {
        throw new UsageError([(err as Error).message, usage]);
    }
    const { values } = parsed;
    if (values.help) {
        process.stdout.write(`${usage}\n`);
        process.exit(0);
    }
    if (!values.stack) throw new UsageError(["--stack is required", usage]);
    if (values.diff !== undefined && values.json) throw new UsageError(["--diff and --json go one at a time", usage]);
    const maxChars = values["max-chars"] === undefined ? undefined : Number(values["max-chars"]);
    if (maxChars !== undefined && !(Number.isInteger(maxChars) && maxChars >= 1000))
        throw new UsageError(["--max-chars takes a whole number of 1000 or more", usage]);
    if ((values.redact || maxChars !== undefined) && values.diff === undefined) throw new UsageError(["--redact and --max-chars go with --diff", usage]);
    if (values.load !== undefined && !values.cost) throw new UsageError(["--load goes with --cost", usage]);
    return {
        stack: values.stack,
        stage: values.stage,
        json: values.json ?? false,
        diff: values.diff,
        redact: values.redact ?? false,
        maxChars,
        policy: values.policy ?? false,
        preflight: values.preflight ?? false,
        cost: values.cost ?? false,
        load: values.load,
    };
}

function loadOf(text: string) {
    try {
        return parseLoad(text);
    } catch (err) {
        throw new UsageError([(err as Error).message, usage]);
    }
}

function problemsOf(err: unknown): string[] | undefined {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof StackFileError || err instanceof CostError) return err.problems;
    if (err instanceof InvalidArgsError) return err.problems.map((p) => `${err.component} "${err.resourceName}": ${p}`);
    return undefined;
}

async function main(): Promise<void> {
    const fail = (err: unknown) => {
        const problems = problemsOf(err);
        process.stderr.write(`${(problems ?? [`plan failed: ${(err as Error)?.message ?? String(err)}`]).join("\n")}\n`);
        process.exit(problems ? 2 : 1);
    };
    // A component that refuses its input rejects promises the runtime still holds: report those the same way.
    process.on("unhandledRejection", fail);
    try {
        const options = parseCommandLine(process.argv.slice(2));
        const scenario = options.load === undefined ? defaultScenario : { ...defaultScenario, load: loadOf(options.load) };
        const old = options.diff === undefined ? undefined : readPlanFile(options.diff, "--diff");
        const plan = await planStack(options.stack, options.stage);
        if (old) {
            const diff = diffPlans(old, plan);
            process.stdout.write(`${renderDiff(old, plan, diff, { redact: options.redact, maxChars: options.maxChars })}\n`);
            if (diff.dataAtRisk.length > 0) process.exitCode = 3;
        } else if (options.cost && !options.json) {
            process.stdout.write(`${renderCost(plan, costOf(plan, scenario))}\n`);
        } else {
            process.stdout.write(options.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : `${renderTree(plan)}\n`);
        }
        if (options.policy) {
            const environment = parseStackConfig(readStackConfigFile(options.stack)).environment;
            const violations = evaluate(plan.resources, environment);
            // On stderr, so that --json stays the contract's JSON alone.
            process.stderr.write(
                `${[`policy (${environment}: ${environment === "prod" ? "mandatory" : "advisory"}): ${violations.length} violation(s)`, ...violations.map((v) => `${v.level === "mandatory" ? "!!" : "--"} ${v.rule}: ${v.resource ? `${v.resource}: ` : ""}${v.message}`)].join("\n")}\n`,
            );
            if (violations.some((v) => v.level === "mandatory")) process.exitCode = 4;
        }
        if (options.preflight) {
            const violations = preflight(plan, { previous: old });
            // On stderr, like the policy's verdict; data at risk and a mandatory policy violation keep their exit status.
            process.stderr.write(`${renderPreflight(plan, violations)}\n`);
            if (violations.length > 0 && !process.exitCode) process.exitCode = preflightExitStatus;
        }
    } catch (err) {
        fail(err);
    }
}

if (require.main === module) void main();
