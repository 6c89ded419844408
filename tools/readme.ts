/**
 * The README's generated tables. `npm run readme` rewrites them in place; a test fails
 * when the README and the code disagree, so the tables cannot go stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stages } from "../stacks/registry";
import { composedStages } from "../stacks";
import { projectRoot } from "./stack-files";

export const readmePath = path.join(projectRoot, "README.md");

/** The fifteen stages, from the registry. */
export function stageTable(): string {
    const rows = stages.map(
        (s) => `| ${s.number} | \`${s.slug}\` | ${s.seedSection} | ${s.adds} | ${s.relieves} | ${composedStages.has(s.number) ? "yes" : "not yet"} |`,
    );
    return ["| # | slug | seed | what it adds on AWS | what it relieves | composed |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

const generated = { stages: stageTable };

/** The README with every generated block replaced by its current content. */
export function renderReadme(readme: string): string {
    let text = readme;
    for (const [name, render] of Object.entries(generated)) {
        const begin = `<!-- generated:${name} -->`;
        const end = `<!-- /generated:${name} -->`;
        const start = text.indexOf(begin);
        const stop = text.indexOf(end);
        if (start < 0 || stop < start) throw new Error(`README.md has no ${begin} ... ${end} block`);
        text = `${text.slice(0, start + begin.length)}\n${render()}\n${text.slice(stop)}`;
    }
    return text;
}

if (require.main === module) {
    fs.writeFileSync(readmePath, renderReadme(fs.readFileSync(readmePath, "utf8")));
}
