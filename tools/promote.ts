/**
 * Promotion: `npm run promote -- --from dev --to prod [--image <repo@sha256:...>]`. Takes the
 * stage of the `from` stack (its stack file) and the image digest it deployed (its `image`
 * output, read with `pulumi stack output` where credentials exist, or `--image`), and proposes
 * them to the `to` stack: refuses a jump of more than one stage (or a step back), no image or
 * one not pinned by digest, a plan that would remove or replace data, and a plan with a
 * mandatory policy violation; otherwise writes them into Pulumi.<to>.yaml (comments kept) and
 * prints the plan's diff for review. Where credentials exist it also refuses a `from` stack whose
 * last update did not succeed, and previews the written file against what `to` really runs,
 * undoing the write when a step would destroy data. Nothing is deployed: the reviewed file is
 * committed, and `pulumi up` on the stack deploys it. No stack reads another's state: the digest
 * in the file is all prod knows of dev.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";
import { evaluate } from "../policy/rules";
import { parseStackConfig, project } from "../stacks/config";
import { findStage, Stage } from "../stacks/registry";
import { planConfig } from "./plan";
import { DeployedState, lastUpdate, pulumiCli, UpdateEntry } from "./deployed-state";
import { diffPlans, renderDiff } from "./plan-diff";
import { statefulSteps } from "./stateful-steps";
import { projectRoot, readStackConfigFile, stackFilePath } from "./stack-files";

export interface PromotionResult {
    /** 0 written; 2 refused input; 3 data at risk; 4 a mandatory policy violation. */
    status: number;
    lines: string[];
}

const digestRef = /^[^\s@]+@sha256:[0-9a-f]{64}$/;

/** Where the image comes from: given on the command line, or read from the deployed `from` stack's outputs. */
export type ImageSource = { image: string } | { readDeployed: (stack: string) => string | undefined };

export async function promote(
    from: string,
    to: string,
    dir = projectRoot,
    source?: ImageSource,
    state: DeployedState = pulumiCli("pulumi", dir),
): Promise<PromotionResult> {
    const origin = readStackConfigFile(from, dir);
    const target = readStackConfigFile(to, dir);
    const stageOf = (raw: Record<string, string>) => findStage(raw[`${project}:stage`] ?? "");
    const [fromStage, toStage] = [stageOf(origin), stageOf(target)];
    const refusals: string[] = [];
    if (!fromStage || !toStage) refusals.push(`both stacks need a valid ${project}:stage`);
    else if (fromStage.number < toStage.number)
        refusals.push(`${to} is at stage ${toStage.number}, ahead of ${from} (${fromStage.number}): promotion only moves forward`);
    else if (fromStage.number > toStage.number + 1)
        refusals.push(`${from} is at stage ${fromStage.number}, more than one stage ahead of ${to} (${toStage.number}): promote one stage at a time`);
    const history = state.history(from);
    const checked = deployedCheck(from, history);
    if (checked.refusal) refusals.push(checked.refusal);
    const image = source && "image" in source ? source.image : (source?.readDeployed ?? ((s: string) => state.output(s, "image")))(from);
    if (image === undefined)
        refusals.push(
            `no image: \`pulumi stack output image --stack ${from}\` gave none (no credentials, or ${from} not deployed); give the digest ${from} deployed with --image`,
        );
    else if (!digestRef.test(image))
        refusals.push(`${from}'s image ${image} is not pinned by digest (repo@sha256:...): promote what was tested, byte for byte`);
    if (refusals.length > 0) return { status: 2, lines: refusals.map((r) => `refused: ${r}`) };

    const next = { ...target, [`${project}:stage`]: fromStage!.slug, [`${project}:image`]: image! };
    const before = await planConfig(to, target);
    const after = await planConfig(to, next);
    const diff = diffPlans(before, after);
    const violations = evaluate(after.resources, parseStackConfig(next).environment).filter((v) => v.level === "mandatory");
    const lines = [
        `${from} -> ${to}: stage ${describe(toStage!)} -> ${describe(fromStage!)}; image ${image}`,
        checked.note,
        renderDiff(before, after, diff),
        ...violations.map((v) => `!! policy ${v.rule}: ${v.resource ? `${v.resource}: ` : ""}${v.message}`),
    ];
    if (diff.dataAtRisk.length > 0) return { status: 3, lines: [...lines, `refused: the promotion would remove or replace data in ${to}; nothing written`] };
    if (violations.length > 0) return { status: 4, lines: [...lines, `refused: ${violations.length} mandatory policy violation(s) in ${to}; nothing written`] };

    const file = stackFilePath(to, dir);
    const original = fs.readFileSync(file, "utf8");
    const document = parseDocument(original);
    document.setIn(["config", `${project}:stage`], fromStage!.slug);
    document.setIn(["config", `${project}:image`], image);
    fs.writeFileSync(file, document.toString());

    // The offline diff compares stack files; where credentials exist, the engine also plans the
    // written file against what `to` really runs, and a step that destroys data undoes the write.
    const preview = state.preview(to, dir);
    if (!preview) {
        lines.push(`state preview of ${to}: not run (no Pulumi credentials): the diff above compares stack files, not what ${to} runs`);
    } else {
        const risky = statefulSteps(preview);
        lines.push(`state preview of ${to}: ${summarise(preview.changeSummary)}`, ...risky);
        if (risky.length > 0) {
            fs.writeFileSync(file, original);
            return { status: 3, lines: [...lines, `refused: against what ${to} runs, the promotion would remove or replace data; nothing written`] };
        }
    }
    return { status: 0, lines: [...lines, `wrote ${path.basename(file)}: review the diff, commit it, and \`pulumi up --stack ${to}\` deploys it`] };
}

/**
 * Whether what `from` runs is what its outputs say: its last update must have succeeded (a failed
 * one leaves resources half-changed, and outputs that may not match them). Without credentials
 * nothing can be read: the promotion goes on, saying so.
 */
function deployedCheck(from: string, history: UpdateEntry[] | undefined): { refusal?: string; note: string } {
    if (!history) return { note: `${from}'s last update: not checked (no Pulumi credentials)` };
    const last = lastUpdate(history);
    if (!last) return { refusal: `${from} has never been updated: nothing tested to promote`, note: "" };
    if (last.result !== "succeeded") {
        return {
            refusal: `${from}'s last update (version ${last.version}) ${last.result ?? "did not finish"}: what it runs may not be what its outputs say; fix ${from} first`,
            note: "",
        };
    }
    return { note: `${from}'s last update (version ${last.version}) succeeded` };
}

/** `pulumi preview --json`'s change summary as one line: "2 create, 1 update, 30 same". */
function summarise(summary: Record<string, number> | undefined): string {
    const parts = Object.entries(summary ?? {}).map(([op, n]) => `${n} ${op}`);
    return parts.length > 0 ? parts.join(", ") : "no changes";
}

const usage = "usage: npm run promote -- --from <stack> --to <stack> [--image <registry/repository@sha256:...>]";

function describe(stage: Stage): string {
    return `${stage.number} (${stage.slug})`;
}

async function main(): Promise<void> {
    let values;
    try {
        ({ values } = parseArgs({
            args: process.argv.slice(2),
            options: { from: { type: "string" }, to: { type: "string" }, image: { type: "string" } },
            strict: true,
        }));
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n${usage}\n`);
        process.exit(2);
    }
    if (!values.from || !values.to) {
        process.stderr.write(`${usage}\n`);
        process.exit(2);
    }
    try {
        const result = await promote(values.from, values.to, projectRoot, values.image !== undefined ? { image: values.image } : undefined);
        (result.status === 0 ? process.stdout : process.stderr).write(`${result.lines.join("\n")}\n`);
        process.exitCode = result.status;
    } catch (err) {
        const problems = (err as { problems?: string[] }).problems;
        process.stderr.write(`${problems ? problems.join("\n") : `promotion failed: ${(err as Error).message}`}\n`);
        process.exitCode = problems ? 2 : 1;
    }
}

if (require.main === module) void main();
