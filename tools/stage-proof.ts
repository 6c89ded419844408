/**
 * The nightly stage proof's decisions, for `.github/workflows/stage-proof.yml`:
 * - `tonight [--date YYYY-MM-DD] [--stages 4,cache]`: which stages to bring up tonight, from
 *   `.github/stage-proof.json` (a list per weekday, which bounds the cost) or the given ones;
 *   prints `stages=[...]` for $GITHUB_OUTPUT.
 * - `leftovers --stacks <pulumi stack ls --json> [--now ISO]`: the proof stacks older than the
 *   configured time to live, one name a line, for a sweep (a run that died before its destroy).
 * - `record --stage N --journey <journey.json> --up-seconds S --out <proof.json>`: one line of the
 *   job summary (the journey's verdict, how long `pulumi up` took, the cost model's figure for the
 *   stage) and the same as JSON for the run's artifact.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { findStage, Stage } from "../stacks/registry";
import { costOf } from "./cost";
import { Plan, planStack } from "./plan";
import { projectRoot } from "./project-root";
import type { JourneyResult } from "./shopper-journey";

const weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;

/** The prefix of every proof stack's name: `proof-<stage>-<run>`. */
export const proofPrefix = "proof-";

const stageRef = z.union([z.number().int(), z.string()]);
const proofConfigSchema = z.strictObject({
    $comment: z.string().optional(),
    /** Hours after which a proof stack still standing is a leftover to destroy. */
    ttlHours: z.number().int().min(1).max(48),
    nights: z.partialRecord(z.enum(weekdays), z.array(stageRef)),
});
export type ProofConfig = z.infer<typeof proofConfigSchema>;

export class ProofConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
    }
}

/** The configuration, validated: every stage named must exist; every problem at once. */
export function parseProofConfig(raw: unknown): ProofConfig & { stagesByNight: Partial<Record<(typeof weekdays)[number], Stage[]>> } {
    const parsed = proofConfigSchema.safeParse(raw);
    if (!parsed.success) throw new ProofConfigError(parsed.error.issues.map((i) => `stage-proof.json: ${i.path.join(".") || "(root)"}: ${i.message}`));
    const problems: string[] = [];
    const stagesByNight = Object.fromEntries(
        Object.entries(parsed.data.nights).map(([night, refs]) => [
            night,
            refs.map((ref, i) => {
                const stage = findStage(String(ref));
                if (!stage) problems.push(`stage-proof.json: nights.${night}.${i}: no stage ${JSON.stringify(ref)}`);
                return stage!;
            }),
        ]),
    );
    if (problems.length > 0) throw new ProofConfigError(problems);
    return { ...parsed.data, stagesByNight };
}

export function readProofConfig(file = path.join(projectRoot, ".github/stage-proof.json")) {
    return parseProofConfig(JSON.parse(fs.readFileSync(file, "utf8")));
}

/** Tonight's stages (the given ones, or the night's list), in stage order, each once. */
export function stagesTonight(config: ReturnType<typeof parseProofConfig>, date: Date, given?: string): number[] {
    let stages: Stage[];
    if (given && given.trim() !== "") {
        const refs = given.split(",").map((s) => s.trim());
        const unknown = refs.filter((r) => !findStage(r));
        if (unknown.length > 0) throw new ProofConfigError(unknown.map((r) => `--stages: no stage ${JSON.stringify(r)}`));
        stages = refs.map((r) => findStage(r)!);
    } else {
        stages = config.stagesByNight[weekdays[date.getUTCDay()]] ?? [];
    }
    return [...new Set(stages.map((s) => s.number))].sort((a, b) => a - b);
}

/** Proof stacks (by `pulumi stack ls --json`) last updated longer ago than the time to live. */
export function leftovers(stacks: { name: string; lastUpdate?: string }[], ttlHours: number, now: Date): string[] {
    return stacks
        .filter((s) => s.name.split("/").at(-1)!.startsWith(proofPrefix))
        .filter((s) => s.lastUpdate === undefined || now.getTime() - Date.parse(s.lastUpdate) > ttlHours * 3_600_000)
        .map((s) => s.name);
}

export interface ProofRecord {
    stage: number;
    slug: string;
    ok: boolean;
    upSeconds?: number;
    readySeconds?: number;
    failure?: string;
    /** The cost model's monthly figure for dev's configuration at the stage, at its minimum size. */
    monthlyAtMinimum: number;
    /** What an hour of the stage costs by the same model: the order of a night's proof. */
    perHour: number;
    journey?: JourneyResult;
}

/** The record of one stage's proof; `plan` is dev's offline plan at the stage (made here when not given). */
export async function proofRecord(stageRef: string, journey: JourneyResult | undefined, upSeconds: number | undefined, plan?: Plan): Promise<ProofRecord> {
    const stage = findStage(stageRef);
    if (!stage) throw new ProofConfigError([`--stage: no stage ${JSON.stringify(stageRef)}`]);
    const cost = costOf(plan ?? (await planStack("dev", String(stage.number))));
    return {
        stage: stage.number,
        slug: stage.slug,
        ok: journey?.ok ?? false,
        upSeconds,
        readySeconds: journey?.readySeconds,
        failure: journey ? journey.failure : "no journey: `pulumi up` or the journey did not run",
        monthlyAtMinimum: Math.round(cost.atMinimum),
        perHour: Math.round((cost.atMinimum / 730) * 100) / 100,
        journey,
    };
}

/** The record as one row of the job summary's table. */
export function summaryRow(r: ProofRecord): string {
    const verdict = r.ok ? "proven" : `**failed**: ${r.failure}`;
    const slowest = r.journey?.steps.reduce((a, b) => (b.ms > a.ms ? b : a), r.journey.steps[0]);
    return [
        `| ${r.stage} ${r.slug}`,
        verdict,
        r.upSeconds !== undefined ? `${Math.round(r.upSeconds / 60)} min` : "-",
        r.readySeconds !== undefined ? `${r.readySeconds} s` : "-",
        slowest ? `${slowest.step} ${slowest.ms} ms` : "-",
        `$${r.monthlyAtMinimum}/month, $${r.perHour}/hour |`,
    ].join(" | ");
}

export const summaryHeader = "| stage | journey | pulumi up | ready after | slowest step | cost model (dev, minimum) |\n|---|---|---|---|---|---|";

async function main(): Promise<void> {
    const [command, ...rest] = process.argv.slice(2);
    const { values } = parseArgs({
        args: rest,
        options: {
            date: { type: "string" },
            stages: { type: "string" },
            now: { type: "string" },
            stage: { type: "string" },
            journey: { type: "string" },
            "up-seconds": { type: "string" },
            out: { type: "string" },
        },
        strict: true,
    });
    const config = readProofConfig();
    if (command === "summary-header") {
        process.stdout.write(`${summaryHeader}\n`);
    } else if (command === "tonight") {
        const date = values.date ? new Date(`${values.date}T12:00:00Z`) : new Date();
        if (Number.isNaN(date.getTime())) throw new ProofConfigError([`--date: expected YYYY-MM-DD (got ${values.date})`]);
        process.stdout.write(`stages=${JSON.stringify(stagesTonight(config, date, values.stages))}\n`);
    } else if (command === "leftovers") {
        const stacks = JSON.parse(fs.readFileSync(0, "utf8")) as { name: string; lastUpdate?: string }[];
        for (const name of leftovers(stacks, config.ttlHours, values.now ? new Date(values.now) : new Date())) process.stdout.write(`${name}\n`);
    } else if (command === "record" && values.stage) {
        const journey =
            values.journey && fs.existsSync(values.journey) && fs.statSync(values.journey).size > 0
                ? JSON.parse(fs.readFileSync(values.journey, "utf8"))
                : undefined;
        const up = values["up-seconds"] ? Number(values["up-seconds"]) : undefined;
        const record = await proofRecord(values.stage, journey, Number.isFinite(up) ? up : undefined);
        if (values.out) fs.writeFileSync(values.out, `${JSON.stringify(record, null, 2)}\n`);
        process.stdout.write(`${summaryRow(record)}\n`);
    } else {
        process.stderr.write(
            "usage: npm run -s stage-proof -- summary-header | tonight [--date YYYY-MM-DD] [--stages 4,cache] | leftovers [--now ISO] < stacks.json | record --stage N [--journey journey.json] [--up-seconds S] [--out proof.json]\n",
        );
        process.exitCode = 2;
    }
}

if (require.main === module) {
    main().catch((err: unknown) => {
        process.stderr.write(`${err instanceof ProofConfigError ? err.message : `stage-proof failed: ${(err as Error).message}`}\n`);
        process.exitCode = 2;
    });
}
