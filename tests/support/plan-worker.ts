/**
 * Computes every (stack, stage) offline plan once for a test run, into the directory named by
 * its one argument: `<stack>-<stage>.json` each, written whole (a temporary name, then a rename),
 * or `failed` with the error when one cannot be planned. Started by the infra project's global
 * setup; the tests read the plans through `sharedPlan`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stages } from "../../stacks/registry";
import { planStack } from "../../tools/plan";

export const planStacks = ["dev", "prod"] as const;

async function main(dir: string): Promise<void> {
    // Stage by stage, both stacks: a suite that reads the early stages waits least.
    for (const { number } of stages) {
        for (const stack of planStacks) {
            const plan = await planStack(stack, String(number));
            const file = path.join(dir, `${stack}-${number}.json`);
            fs.writeFileSync(`${file}.partial`, JSON.stringify(plan));
            fs.renameSync(`${file}.partial`, file);
        }
    }
}

if (require.main === module) {
    main(process.argv[2]).catch((err: unknown) => {
        // The waiting tests read this and fail with the message (when the run still has its directory).
        fs.writeFile(path.join(process.argv[2], "failed"), String((err as Error)?.message ?? err), () => process.exit(1));
    });
}
