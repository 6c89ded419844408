/**
 * The README's generated tables. `npm run readme` rewrites them in place; a test fails
 * when the README and the code disagree, so the tables cannot go stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stages } from "../stacks/registry";
import { costLabel, costOf } from "./cost";
import { Plan, planStack } from "./plan";
import { projectRoot } from "./stack-files";

export const readmePath = path.join(projectRoot, "README.md");

/** Plans a stack at a stage: the offline plan, or the tests' plans made once for their run. */
export type Planner = (stack: string, stage: string) => Promise<Plan>;

/** Every stage's plan in dev and prod, made once for all the tables. */
async function allPlans(plan: Planner): Promise<Map<number, { dev: Plan; prod: Plan }>> {
    const plans = new Map<number, { dev: Plan; prod: Plan }>();
    for (const { number: stage } of stages) {
        // One after the other: the mock runtime is global to the process.
        const dev = await plan("dev", String(stage));
        const prod = await plan("prod", String(stage));
        plans.set(stage, { dev, prod });
    }
    return plans;
}

/** The fifteen stages, from the registry, with the resources each plans in dev and prod. */
function stageTable(plans: Map<number, { dev: Plan; prod: Plan }>): string {
    const rows = stages.map((s) => {
        const { dev, prod } = plans.get(s.number)!;
        return `| ${s.number} | \`${s.slug}\` | ${s.seedSection} | ${s.adds} | ${s.relieves} | ${dev.resources.length} / ${prod.resources.length} |`;
    });
    return ["| # | slug | seed | what it adds on AWS | what it relieves | resources (dev / prod) |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

/** Per stage and stack: resources, monthly cost and users at the minimum size, users at the maximum, cost per thousand users. */
function costTable(plans: Map<number, { dev: Plan; prod: Plan }>): string {
    const dollars = (n: number) => `$${Math.round(n).toLocaleString("en-US")}`;
    const rows = stages.flatMap((s) =>
        (["dev", "prod"] as const).map((stack) => {
            const plan = plans.get(s.number)![stack];
            const cost = costOf(plan);
            const users =
                cost.users.min === cost.users.max
                    ? cost.users.min.toLocaleString("en-US")
                    : `${cost.users.min.toLocaleString("en-US")} (to ${cost.users.max.toLocaleString("en-US")})`;
            return `| ${s.number} \`${s.slug}\` | ${stack} | ${plan.resources.length} | ${dollars(cost.monthly)} | ${users} | $${((cost.monthly / cost.users.min) * 1000).toFixed(2)} |`;
        }),
    );
    return [
        `**${costLabel}**`,
        "",
        "| stage | stack | resources | a month | concurrent users | a month per 1,000 users |",
        "|---|---|---|---|---|---|",
        ...rows,
    ].join("\n");
}

const generated: Record<string, (plans: Map<number, { dev: Plan; prod: Plan }>) => string> = { stages: stageTable, costs: costTable };

/** The README with every generated block replaced by its current content. */
export async function renderReadme(readme: string, plan: Planner = planStack): Promise<string> {
    const plans = await allPlans(plan);
    let text = readme;
    for (const [name, render] of Object.entries(generated)) {
        const begin = `<!-- generated:${name} -->`;
        const end = `<!-- /generated:${name} -->`;
        const start = text.indexOf(begin);
        const stop = text.indexOf(end);
        if (start < 0 || stop < start) throw new Error(`README.md has no ${begin} ... ${end} block`);
        text = `${text.slice(0, start + begin.length)}\n${render(plans)}\n${text.slice(stop)}`;
    }
    return text;
}

if (require.main === module) {
    void renderReadme(fs.readFileSync(readmePath, "utf8")).then((text) => fs.writeFileSync(readmePath, text));
}
