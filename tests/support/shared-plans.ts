import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { findStage } from "../../stacks/registry";
import type { Plan } from "../../tools/plan";

/**
 * The offline plan of `stack` at `stage`, computed once for the whole test run by the plan
 * worker that the infra project's global setup started (SHOP_PLAN_DIR); waits until it is
 * written. Outside such a run (no SHOP_PLAN_DIR), plans it here.
 */
export async function sharedPlan(stack: string, stage: number | string): Promise<Plan> {
    const number = stageNumber(stage);
    const dir = process.env.SHOP_PLAN_DIR;
    // Loaded only here: a suite the worker serves never loads the components and the provider SDKs for it.
    if (!dir) return (await import("../../tools/plan")).planStack(stack, String(number));
    return readWhenWritten<Plan>(dir, `${stack}-${number}.json`, `plan of ${stack} stage ${number}`);
}

/** Where in SHOP_PLAN_DIR the requests for plans of stack files and their plans are. */
export const configPlansFolder = "config-plans";

/**
 * The offline plan of `stack` from `config` as Pulumi holds it (`planConfig`: promotion plans the stack files
 * it would write), computed by the plan worker and kept by its inputs as its plans are; the same
 * request from another suite is computed once. Outside such a run, planned here.
 */
export async function sharedConfigPlan(stack: string, config: Record<string, string>): Promise<Plan> {
    const dir = process.env.SHOP_PLAN_DIR;
    if (!dir) return (await import("../../tools/plan")).planConfig(stack, config);
    const sorted = Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const request = JSON.stringify({ stack, config: sorted });
    const name = createHash("sha256").update(request).digest("hex").slice(0, 32);
    const folder = path.join(dir, configPlansFolder);
    fs.mkdirSync(folder, { recursive: true });
    // Whole before the worker sees it; the same request made twice is the same file.
    const partial = path.join(folder, `${name}.request.${process.pid}`);
    fs.writeFileSync(partial, request);
    fs.renameSync(partial, path.join(folder, `${name}.request`));
    return readWhenWritten<Plan>(dir, path.join(configPlansFolder, `${name}.json`), `plan of ${stack}'s stack file`);
}

/** A stage's number from its number or slug; throws for no such stage. */
export function stageNumber(stage: number | string): number {
    const number = findStage(stage)?.number;
    if (number === undefined) throw new Error(`no stage ${stage}`);
    return number;
}

/**
 * The JSON the plan worker writes to `file` in `dir`, once it is there (the worker writes each
 * file whole). Fails with the worker's message when it failed, and after ten minutes.
 */
export async function readWhenWritten<T>(dir: string, file: string, what: string): Promise<T> {
    const target = path.join(dir, file);
    const failed = [path.join(dir, "failed"), `${target}.failed`];
    for (const started = Date.now(); !fs.existsSync(target); await new Promise((resolve) => setTimeout(resolve, 100))) {
        for (const f of failed) if (fs.existsSync(f)) throw new Error(`the shared ${what} failed: ${fs.readFileSync(f, "utf8")}`);
        if (Date.now() - started > 600_000) throw new Error(`no ${what} in ${dir} after 10 minutes`);
    }
    return JSON.parse(fs.readFileSync(target, "utf8")) as T;
}
