/**
 * The lab's fault menu: the drills the tests run, made visible. A role names what to stop
 * abruptly (SIGKILL, as a failed node); the entry is then asked for a while and its answers
 * are counted, so one sees whether the stage keeps serving.
 */
import { Lab } from "./start-stage";

export const faultRoles: Record<string, string> = {
    cache: "the primary cache (Redis)",
    replica: "a database replica (the last started: the other region's copy from stage 9)",
    service: "a service process (stages 12-13)",
    app: "one shop process of the entry app (stage 4+: another one is left)",
    nginx: "one Nginx instance (stage 8+: another one is left)",
    region: "the other region's entry (stage 9+)",
    search: "OpenSearch (stage 10+: search falls back to PostgreSQL)",
};

/** Kills the last started part that answers to `role`; names it. */
export async function killRole(lab: Lab, role: string): Promise<string> {
    if (!(role in faultRoles)) throw new Error(`--kill must be one of ${Object.keys(faultRoles).join(", ")} (got ${JSON.stringify(role)})`);
    const part = [...lab.started.parts].reverse().find((p) => p.killAs === role && p.kill);
    if (!part) throw new Error(`stage ${lab.layout.stage.number} runs no ${faultRoles[role]}`);
    await part.kill!();
    return part.name;
}

/** Asks `path` of the entry `count` times, one after another; the statuses seen, by how often. */
export async function probe(entryUrl: string, path: string, count: number): Promise<Record<string, number>> {
    const seen: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
        const status = await fetch(`${entryUrl}${path}`, { signal: AbortSignal.timeout(10_000) }).then(
            async (r) => {
                await r.arrayBuffer();
                return String(r.status);
            },
            (err: Error) => `failed (${err.name})`,
        );
        seen[status] = (seen[status] ?? 0) + 1;
    }
    return seen;
}
