/**
 * Promotion: `npm run promote -- --from dev --to prod`. Takes the stage and the image digest
 * the `from` stack runs and proposes them to the `to` stack: refuses a jump of more than one
 * stage (or a step back), an image not pinned by digest, a plan that would remove or replace
 * data, and a plan with a mandatory policy violation; otherwise writes them into
 * Pulumi.<to>.yaml (comments kept) and prints the plan's diff for review. Nothing is
 * deployed: the reviewed file is committed, and `pulumi up` on the stack deploys it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";
import { evaluate } from "../policy/rules";
import { parseStackConfig, project } from "../stacks/config";
import { findStage, Stage } from "../stacks/registry";
import { planConfig } from "./plan";
import { diffPlans, renderDiff } from "./plan-diff";
import { projectRoot, readStackConfigFile, stackFilePath } from "./stack-files";

export interface PromotionResult {
    /** 0 written; 2 refused input; 3 data at risk; 4 a mandatory policy violation. */
    status: number;
    lines: string[];
}

const digestRef = /^[^\s@]+@sha256:[0-9a-f]{64}$/;

export async function promote(from: string, to: string, dir = projectRoot): Promise<PromotionResult> {
    const source = readStackConfigFile(from, dir);
    const target = readStackConfigFile(to, dir);
    const stageOf = (raw: Record<string, string>) => findStage(raw[`${project}:stage`] ?? "");
    const [fromStage, toStage] = [stageOf(source), stageOf(target)];
    const refusals: string[] = [];
    if (!fromStage || !toStage) refusals.push(`both stacks need a valid ${project}:stage`);
    else if (fromStage.number < toStage.number)
        refusals.push(`${to} is at stage ${toStage.number}, ahead of ${from} (${fromStage.number}): promotion only moves forward`);
    else if (fromStage.number > toStage.number + 1)
        refusals.push(`${from} is at stage ${fromStage.number}, more than one stage ahead of ${to} (${toStage.number}): promote one stage at a time`);
    const image = source[`${project}:image`];
    if (image !== undefined && !digestRef.test(image))
        refusals.push(`${from}'s image ${image} is not pinned by digest (repo@sha256:...): promote what was tested, byte for byte`);
    if (refusals.length > 0) return { status: 2, lines: refusals.map((r) => `refused: ${r}`) };

    const next = { ...target, [`${project}:stage`]: fromStage!.slug, ...(image !== undefined && { [`${project}:image`]: image }) };
    const before = await planConfig(to, target);
    const after = await planConfig(to, next);
    const diff = diffPlans(before, after);
    const violations = evaluate(after.resources, parseStackConfig(next).environment).filter((v) => v.level === "mandatory");
    const lines = [
        `${from} -> ${to}: stage ${describe(toStage!)} -> ${describe(fromStage!)}; image ${image === undefined ? "unchanged" : image}`,
        renderDiff(before, after, diff),
        ...violations.map((v) => `!! policy ${v.rule}: ${v.resource ? `${v.resource}: ` : ""}${v.message}`),
    ];
    if (diff.dataAtRisk.length > 0) return { status: 3, lines: [...lines, `refused: the promotion would remove or replace data in ${to}; nothing written`] };
    if (violations.length > 0) return { status: 4, lines: [...lines, `refused: ${violations.length} mandatory policy violation(s) in ${to}; nothing written`] };

    const file = stackFilePath(to, dir);
    const document = parseDocument(fs.readFileSync(file, "utf8"));
    document.setIn(["config", `${project}:stage`], fromStage!.slug);
    if (image !== undefined) document.setIn(["config", `${project}:image`], image);
    fs.writeFileSync(file, document.toString());
    return { status: 0, lines: [...lines, `wrote ${path.basename(file)}: review the diff, commit it, and \`pulumi up --stack ${to}\` deploys it`] };
}

function describe(stage: Stage): string {
    return `${stage.number} (${stage.slug})`;
}

async function main(): Promise<void> {
    let values;
    try {
        ({ values } = parseArgs({ args: process.argv.slice(2), options: { from: { type: "string" }, to: { type: "string" } }, strict: true }));
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\nusage: npm run promote -- --from <stack> --to <stack>\n`);
        process.exit(2);
    }
    if (!values.from || !values.to) {
        process.stderr.write("usage: npm run promote -- --from <stack> --to <stack>\n");
        process.exit(2);
    }
    try {
        const result = await promote(values.from, values.to);
        (result.status === 0 ? process.stdout : process.stderr).write(`${result.lines.join("\n")}\n`);
        process.exitCode = result.status;
    } catch (err) {
        const problems = (err as { problems?: string[] }).problems;
        process.stderr.write(`${problems ? problems.join("\n") : `promotion failed: ${(err as Error).message}`}\n`);
        process.exitCode = problems ? 2 : 1;
    }
}

if (require.main === module) void main();
