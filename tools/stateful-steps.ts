/**
 * `npm run -s stateful-steps -- <preview.json>`: reads `pulumi preview --json` (the engine's plan of
 * a stack's real state) and exits 3 when a step would replace or delete a stateful resource, one
 * line each: the state-based twin of the offline diff's "data at risk", for where credentials exist.
 */
import * as fs from "node:fs";
import { statefulTypes } from "../policy/stateful-types";
import { PreviewStep } from "./deployed-state";

/** The engine's operations that destroy the resource's data (a replacement creates an empty one). */
const destroying = ["replace", "create-replacement", "delete-replaced", "delete", "discard", "discard-replaced"];

/** The type token at the end of a URN's type chain (`...::parent$type::name`). */
export function typeOfUrn(urn: string): string {
    const chain = urn.split("::")[2] ?? "";
    return chain.split("$").at(-1) ?? "";
}

/** The steps that replace or delete a stateful resource, one per URN. */
export function statefulSteps(preview: { steps?: PreviewStep[] }): string[] {
    const found = new Map<string, string>();
    for (const step of preview.steps ?? []) {
        if (destroying.includes(step.op) && statefulTypes.includes(typeOfUrn(step.urn)) && !found.has(step.urn)) found.set(step.urn, step.op);
    }
    return [...found].map(([urn, op]) => `!! DATA AT RISK: ${op} ${typeOfUrn(urn)} ${urn.split("::").at(-1)}`);
}

if (require.main === module) {
    const file = process.argv[2];
    let preview: { steps?: PreviewStep[] };
    try {
        preview = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        process.stderr.write(`usage: npm run -s stateful-steps -- <pulumi preview --json output>: ${(err as Error).message}\n`);
        process.exit(2);
    }
    const lines = statefulSteps(preview);
    process.stdout.write(lines.length > 0 ? `${lines.join("\n")}\n` : "no step replaces or deletes a stateful resource\n");
    if (lines.length > 0) process.exitCode = 3;
}
