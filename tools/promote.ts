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
 *
 * Going back, through the same checks and diff:
 *   `npm run promote -- --rollback --to prod [--image <digest>]` puts back the image prod ran before
 *   (from Pulumi.prod.yaml's git history, cross-checked with `pulumi stack history`), stage unchanged;
 *   `npm run promote -- --back --to prod` moves prod one stage back, refused when data is at risk.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";
import { evaluate } from "../policy/rules";
import { parseStackConfig, project } from "../stacks/config";
import { findStage, Stage } from "../stacks/registry";
import { Plan, planConfig } from "./plan";
import { DeployedState, lastUpdate, pulumiCli, UpdateEntry } from "./deployed-state";
import { diffPlans, renderDiff } from "./plan-diff";
import { statefulSteps } from "./stateful-steps";
import { deployedImages, previousImageInGit } from "./image-history";
import { stepBackNotes } from "./step-back";
import { projectRoot } from "./project-root";
import { readStackConfigFile, stackFilePath } from "./stack-files";

export interface PromotionResult {
    /** 0 written; 2 refused input; 3 data at risk; 4 a mandatory policy violation. */
    status: number;
    lines: string[];
}

const digestRef = /^[^\s@]+@sha256:[0-9a-f]{64}$/;

/** How a stack's config is planned offline: `planConfig` (the tests put their run's shared, kept plans in its place). */
export const planning: { planConfig: (stack: string, config: Record<string, string>) => Promise<Plan> } = { planConfig };

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
    const checked = deployedCheck(from, state.history(from));
    if (checked.refusal) refusals.push(checked.refusal);
    const image = source && "image" in source ? source.image : (source?.readDeployed ?? ((s: string) => state.output(s, "image")))(from);
    if (image === undefined)
        refusals.push(
            `no image: \`pulumi stack output image --stack ${from}\` gave none (no credentials, or ${from} not deployed); give the digest ${from} deployed with --image`,
        );
    else if (!digestRef.test(image))
        refusals.push(`${from}'s image ${image} is not pinned by digest (repo@sha256:...): promote what was tested, byte for byte`);
    if (refusals.length > 0) return { status: 2, lines: refusals.map((r) => `refused: ${r}`) };

    return propose(
        to,
        dir,
        target,
        { stage: fromStage!, image: image! },
        [`${from} -> ${to}: stage ${describe(toStage!)} -> ${describe(fromStage!)}; image ${image}`, checked.note],
        state,
    );
}

/**
 * The checks every change of a stack file goes through (a promotion, an image rollback, a
 * step back): the plan before and after, its diff shown, refused when it would remove or
 * replace data or break a mandatory policy; otherwise the stage and image written into
 * Pulumi.<to>.yaml, comments kept. Where credentials exist, the engine then plans the written
 * file against what `to` really runs, and a step that destroys data undoes the write.
 */
async function propose(
    to: string,
    dir: string,
    target: Record<string, string>,
    change: { stage: Stage; image?: string },
    header: string[],
    state: DeployedState = pulumiCli("pulumi", dir),
): Promise<PromotionResult> {
    const next = { ...target, [`${project}:stage`]: change.stage.slug, ...(change.image !== undefined && { [`${project}:image`]: change.image }) };
    const before = await planning.planConfig(to, target);
    const after = await planning.planConfig(to, next);
    const diff = diffPlans(before, after);
    const violations = evaluate(after.resources, parseStackConfig(next).environment).filter((v) => v.level === "mandatory");
    const lines = [
        ...header,
        renderDiff(before, after, diff),
        ...violations.map((v) => `!! policy ${v.rule}: ${v.resource ? `${v.resource}: ` : ""}${v.message}`),
    ];
    if (diff.dataAtRisk.length > 0) return { status: 3, lines: [...lines, `refused: the change would remove or replace data in ${to}; nothing written`] };
    if (violations.length > 0) return { status: 4, lines: [...lines, `refused: ${violations.length} mandatory policy violation(s) in ${to}; nothing written`] };

    const file = stackFilePath(to, dir);
    const original = fs.readFileSync(file, "utf8");
    const document = parseDocument(original);
    document.setIn(["config", `${project}:stage`], change.stage.slug);
    if (change.image !== undefined) document.setIn(["config", `${project}:image`], change.image);
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
            return { status: 3, lines: [...lines, `refused: against what ${to} runs, the change would remove or replace data; nothing written`] };
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

/** Where a rollback's image comes from: given, or the stack file's git history (cross-checked with the stack's update history where it can be read). */
export type RollbackSource = { image: string } | { dir: string; readDeployed?: (stack: string) => string[] | undefined };

/**
 * Image rollback: `--rollback --to <stack>` puts back the image the stack ran before its current
 * one, at the same stage, through the same checks and diff as a promotion.
 */
export async function rollback(to: string, dir = projectRoot, source: RollbackSource = { dir }): Promise<PromotionResult> {
    const target = readStackConfigFile(to, dir);
    const stage = findStage(target[`${project}:stage`] ?? "");
    const refusals: string[] = [];
    const notes: string[] = [];
    if (!stage) refusals.push(`${to} needs a valid ${project}:stage`);
    let image: string | undefined;
    if ("image" in source) image = source.image;
    else {
        const found = previousImageInGit(to, source.dir);
        if ("problem" in found) refusals.push(`${found.problem}; give the digest to go back to with --image`);
        else {
            image = found.image;
            notes.push(`the previous image comes from ${path.basename(stackFilePath(to, dir))} at commit ${found.commit.slice(0, 12)}`);
            const deployed = (source.readDeployed ?? ((s: string) => deployedImages(s, source.dir)))(to);
            if (deployed === undefined)
                notes.push(`\`pulumi stack history --stack ${to}\` could not be read (no CLI or credentials): the digest is git's alone`);
            else if (!deployed.includes(image))
                refusals.push(
                    `${image} is in git's history of ${to} but no successful update of the stack ran it: give the digest with --image if you mean it`,
                );
            else notes.push(`the stack's history confirms ${to} ran it`);
        }
    }
    if (image !== undefined && !digestRef.test(image))
        refusals.push(`the image ${image} is not pinned by digest (repo@sha256:...): roll back to what ran, byte for byte`);
    if (image !== undefined && image === target[`${project}:image`]) refusals.push(`${to} already names ${image}`);
    if (refusals.length > 0) return { status: 2, lines: refusals.map((r) => `refused: ${r}`) };
    return propose(to, dir, target, { stage: stage!, image: image! }, [
        `rollback of ${to}: image ${target[`${project}:image`] ?? "(none)"} -> ${image}; stage ${describe(stage!)} unchanged`,
        ...notes.map((n) => `note: ${n}`),
    ]);
}

/**
 * Stage step back: `--back --to <stack>` moves the stack one stage back with its image, when the
 * plan's diff shows no data at risk; otherwise refused with what the step would remove and the
 * data to move first (tools/step-back.ts).
 */
export async function stepBack(to: string, dir = projectRoot): Promise<PromotionResult> {
    const target = readStackConfigFile(to, dir);
    const stage = findStage(target[`${project}:stage`] ?? "");
    const image = target[`${project}:image`];
    if (!stage) return { status: 2, lines: [`refused: ${to} needs a valid ${project}:stage`] };
    if (stage.number === 1) return { status: 2, lines: [`refused: ${to} is at stage 1: there is no stage before it`] };
    const previous = findStage(String(stage.number - 1))!;
    const result = await propose(to, dir, target, { stage: previous, image }, [
        `step back of ${to}: stage ${describe(stage)} -> ${describe(previous)}; image unchanged`,
        `note: ${stepBackNotes[stage.number]}`,
    ]);
    if (result.status === 3) result.lines.push(`move the data first as the note says, retire what holds it, then step back`);
    return result;
}

const usage = [
    "usage: npm run promote -- --from <stack> --to <stack> [--image <registry/repository@sha256:...>]",
    "       npm run promote -- --rollback --to <stack> [--image <registry/repository@sha256:...>]",
    "       npm run promote -- --back --to <stack>",
].join("\n");

function describe(stage: Stage): string {
    return `${stage.number} (${stage.slug})`;
}

async function main(): Promise<void> {
    let values;
    try {
        ({ values } = parseArgs({
            args: process.argv.slice(2),
            options: {
                from: { type: "string" },
                to: { type: "string" },
                image: { type: "string" },
                rollback: { type: "boolean" },
                back: { type: "boolean" },
            },
            strict: true,
        }));
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n${usage}\n`);
        process.exit(2);
    }
    const going = values.rollback || values.back;
    const wrong =
        !values.to ||
        (values.rollback && values.back) ||
        (going && values.from !== undefined) ||
        (values.back && values.image !== undefined) ||
        (!going && !values.from);
    if (wrong) {
        process.stderr.write(`${usage}\n`);
        process.exit(2);
    }
    const to = values.to!;
    const image = values.image !== undefined ? { image: values.image } : undefined;
    try {
        const result = values.rollback
            ? await rollback(to, projectRoot, image)
            : values.back
              ? await stepBack(to, projectRoot)
              : await promote(values.from!, to, projectRoot, image);
        (result.status === 0 ? process.stdout : process.stderr).write(`${result.lines.join("\n")}\n`);
        process.exitCode = result.status;
    } catch (err) {
        const problems = (err as { problems?: string[] }).problems;
        process.stderr.write(`${problems ? problems.join("\n") : `promotion failed: ${(err as Error).message}`}\n`);
        process.exitCode = problems ? 2 : 1;
    }
}

if (require.main === module) void main();
