/**
 * The README's generated tables. `npm run readme` rewrites them in place; a test fails
 * when the README and the code disagree, so the tables cannot go stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stages } from "../stacks/registry";
import { planStack } from "./plan";
import { projectRoot } from "./stack-files";

export const readmePath = path.join(projectRoot, "README.md");

/** Resources each stage plans, per stack, from the offline plan. */
export async function resourceCounts(): Promise<Map<number, { dev: number; prod: number }>> {
    const counts = new Map<number, { dev: number; prod: number }>();
    for (const { number: stage } of stages) {
        // One after the other: the mock runtime is global to the process.
        const dev = await planStack("dev", String(stage));
        const prod = await planStack("prod", String(stage));
        counts.set(stage, { dev: dev.resources.length, prod: prod.resources.length });
    }
    return counts;
}

/** The fifteen stages, from the registry, with the resources each plans in dev and prod. */
export async function stageTable(): Promise<string> {
    const counts = await resourceCounts();
    const rows = stages.map((s) => {
        const count = counts.get(s.number)!;
        return `| ${s.number} | \`${s.slug}\` | ${s.seedSection} | ${s.adds} | ${s.relieves} | ${count.dev} / ${count.prod} |`;
    });
    return ["| # | slug | seed | what it adds on AWS | what it relieves | resources (dev / prod) |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

const generated: Record<string, () => Promise<string>> = { stages: stageTable };

/** The README with every generated block replaced by its current content. */
export async function renderReadme(readme: string): Promise<string> {
    let text = readme;
    for (const [name, render] of Object.entries(generated)) {
        const begin = `<!-- generated:${name} -->`;
        const end = `<!-- /generated:${name} -->`;
        const start = text.indexOf(begin);
        const stop = text.indexOf(end);
        if (start < 0 || stop < start) throw new Error(`README.md has no ${begin} ... ${end} block`);
        text = `${text.slice(0, start + begin.length)}\n${await render()}\n${text.slice(stop)}`;
    }
    return text;
}

if (require.main === module) {
    renderReadme(fs.readFileSync(readmePath, "utf8")).then((text) => fs.writeFileSync(readmePath, text));
}
