/**
 * The evolution lab: any stage's topology on this machine, with real servers on free loopback
 * ports, from the sources the stacks use.
 *
 *   npm run lab -- --stage 7                 start stage 7, print what runs, serve until Ctrl-C
 *   npm run lab -- --stage 9 --kill region   ...then stop the other region and ask the entry
 *   npm run lab -- --stage 4 --bench         measure the stage with the shop's benchmark, then stop
 *   npm run lab -- --stages 1-13 --bench     the whole evolution, one row a stage
 *   npm run lab -- --from 5 --to 6           carry data across a transition with the project's command, and check it
 *
 * Exit status: 0 stopped cleanly, 1 a fault, 2 bad usage (one line per problem).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { parseArgs } from "node:util";
import { BenchRow, benchStage } from "./bench";
import { benchReport, benchTable, failureLines } from "./bench-report";
import { killRole, faultRoles, probe } from "./faults";
import { LabUsageError } from "./layout";
import { Lab, startStage } from "./start-stage";
import { Started } from "./started";
import { runTransition } from "./transition";
import { textTable } from "./table";

const usage = `usage: npm run lab -- --stage <n|slug> [--kill <${Object.keys(faultRoles).join("|")}>] [--bench [--duration <s>]]
       npm run lab -- --stages <a-b> --bench [--duration <s>] [--out <file.md>]
       npm run lab -- --from <n> --to <m>`;

function options() {
    const { values } = parseArgs({
        options: {
            stage: { type: "string" },
            stages: { type: "string" },
            bench: { type: "boolean", default: false },
            duration: { type: "string", default: "10" },
            out: { type: "string" },
            from: { type: "string" },
            to: { type: "string" },
            kill: { type: "string", multiple: true, default: [] },
            help: { type: "boolean", default: false },
        },
        strict: true,
    });
    const problems: string[] = [];
    const modes = [values.stage, values.stages, values.from ?? values.to].filter((v) => v !== undefined).length;
    if (modes !== 1) problems.push("give exactly one of --stage, --stages, or --from with --to");
    if ((values.from === undefined) !== (values.to === undefined)) problems.push("--from and --to go together");
    if (values.stages !== undefined && !values.bench) problems.push("--stages runs the benchmark: add --bench");
    const duration = Number(values.duration);
    if (!(Number.isInteger(duration) && duration >= 1 && duration <= 600)) problems.push(`--duration must be 1-600 seconds (got ${values.duration})`);
    for (const role of values.kill) if (!(role in faultRoles)) problems.push(`--kill must be one of ${Object.keys(faultRoles).join(", ")} (got ${role})`);
    if (values.help || problems.length > 0) {
        for (const p of problems) console.error(`lab: ${p}`);
        console.error(usage);
        process.exit(values.help ? 0 : 2);
    }
    return { ...values, duration };
}

export function partsTable(lab: Lab): string {
    return textTable(
        ["process", "role", "region", "port", "url"],
        lab.started.parts.map((p) => [p.name, p.role, p.region ?? "", String(p.port), p.url]),
    );
}

async function main(started: Started): Promise<void> {
    const opts = options();
    let running: Promise<unknown> = Promise.resolve();
    let stopping = false;
    const stopAndExit = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`\nlab: ${signal}: stopping${started.parts.length > 0 ? ` ${started.parts.length} processes` : ""}...`);
        // Parts still starting are stopped once their start has settled.
        await running.catch(() => undefined);
        await started.stopAll();
        console.log("lab: stopped; nothing left running");
        process.exit(0);
    };
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stopAndExit(signal).catch(fail));

    if (opts.stage !== undefined) {
        const starting = startStage(opts.stage, { started });
        running = starting;
        const lab = await starting;
        if (lab.layout.note) console.log(`note: ${lab.layout.note}`);
        console.log(`stage ${lab.layout.stage.number} (${lab.layout.stage.slug}) runs:\n`);
        console.log(partsTable(lab));
        console.log(`\nentry: ${lab.entryUrl}`);
        if (opts.bench) {
            const row = await benchStage(lab, benchOptions(opts.duration));
            console.log(`\n${benchTable([row], "text")}`);
            for (const line of failureLines([row])) console.log(line);
            await started.stopAll();
            console.log("lab: stopped; nothing left running");
            return;
        }
        for (const role of opts.kill) {
            const before = await probe(lab.entryUrl, "/api/products/5", 20);
            const name = await killRole(lab, role);
            const after = await probe(lab.entryUrl, "/api/products/5", 50);
            console.log(`kill ${role}: stopped ${name} (SIGKILL); GET /api/products/5 before: ${JSON.stringify(before)}, after: ${JSON.stringify(after)}`);
        }
        console.log("serving; Ctrl-C (or SIGTERM) stops every process");
        return;
    }
    if (opts.from !== undefined) {
        const moving = runTransition(Number(opts.from), Number(opts.to), started, (line) => console.log(line));
        running = moving;
        const { before, after, counts, lab } = await moving;
        const lost = (Object.keys(before) as (keyof typeof before)[]).filter((kind) => before[kind] !== after[kind]);
        console.log(
            `\nstage ${opts.from} held ${Object.entries(counts)
                .map(([kind, n]) => `${n} ${kind}`)
                .join(", ")}`,
        );
        if (lost.length > 0) {
            console.error(`lab: NOT carried over intact: ${lost.join(", ")}`);
            await started.stopAll();
            process.exit(1);
        }
        console.log(`every order, account, review and stock level is in stage ${opts.to}, as it was\n`);
        console.log(partsTable(lab));
        console.log(`\nentry: ${lab.entryUrl}`);
        console.log("serving; Ctrl-C (or SIGTERM) stops every process");
        return;
    }
    const [first, last] = stageRange(opts.stages!);
    const rows: BenchRow[] = [];
    let load = os.loadavg()[0];
    for (let n = first; n <= last; n++) {
        const starting = startStage(n, { started });
        running = starting;
        const lab = await starting;
        load = Math.max(load, os.loadavg()[0]);
        rows.push(await benchStage(lab, benchOptions(opts.duration)));
        load = Math.max(load, os.loadavg()[0]);
        await lab.stop();
        console.log(`${benchTable(rows.slice(-1), "text").split("\n").at(-1)}`);
        for (const line of failureLines(rows.slice(-1))) console.log(line);
    }
    const report = benchReport(rows, { ...benchOptions(opts.duration), load });
    console.log(`\n${report}`);
    if (opts.out) fs.writeFileSync(opts.out, `${report}\n`);
    console.log("lab: stopped; nothing left running");
}

/** The load of a run: few connections and shoppers, since the machine also runs the stage's servers and the load generator. */
function benchOptions(duration: number) {
    return { duration, connections: 16, shoppers: 4 };
}

/** `a-b` within 1-15, a <= b. */
function stageRange(text: string): [number, number] {
    const match = /^(\d+)-(\d+)$/.exec(text);
    const [a, b] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
    if (!(a >= 1 && b <= 15 && a <= b)) throw new LabUsageError(`--stages must be a range such as 1-13 within 1-15 (got ${JSON.stringify(text)})`);
    return [a, b];
}

function fail(err: Error): never {
    if (err instanceof LabUsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
        console.error(`lab: ${err.message}`);
        process.exit(2);
    }
    console.error(`lab: ${err.stack ?? err.message}`);
    process.exit(1);
}

if (require.main === module) {
    const started = new Started((part) => console.log(`  up: ${part.name} on ${part.port}`));
    // A fault stops whatever was started before it is reported: nothing is left running.
    main(started).catch(async (err: Error) => {
        await started.stopAll().catch((stopErr: Error) => console.error(`lab: ${stopErr.message}`));
        fail(err);
    });
}
