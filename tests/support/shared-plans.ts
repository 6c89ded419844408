import * as fs from "node:fs";
import * as path from "node:path";
import { findStage } from "../../stacks/registry";
import { Plan, planStack } from "../../tools/plan";

/**
 * The offline plan of `stack` at `stage`, computed once for the whole test run by the plan
 * worker that the infra project's global setup started (SHOP_PLAN_DIR); waits until it is
 * written. Outside such a run (no SHOP_PLAN_DIR), plans it here.
 */
export async function sharedPlan(stack: string, stage: number | string): Promise<Plan> {
    const dir = process.env.SHOP_PLAN_DIR;
    const number = findStage(stage)?.number;
    if (number === undefined) throw new Error(`no stage ${stage}`);
    if (!dir) return planStack(stack, String(number));
    const file = path.join(dir, `${stack}-${number}.json`);
    for (const started = Date.now(); !fs.existsSync(file); await new Promise((resolve) => setTimeout(resolve, 100))) {
        const failed = path.join(dir, "failed");
        if (fs.existsSync(failed)) throw new Error(`the shared plans failed: ${fs.readFileSync(failed, "utf8")}`);
        if (Date.now() - started > 600_000) throw new Error(`no plan of ${stack} stage ${number} in ${dir} after 10 minutes`);
    }
    return JSON.parse(fs.readFileSync(file, "utf8")) as Plan;
}
