/**
 * Computes, once for a test run, what the infra suites read, into the directory named by its one
 * argument (each file written whole: a temporary name, then a rename):
 * - every (stack, stage) offline plan: `<stack>-<stage>.json`, or `failed` with the error;
 * - the deployments the suites ask for (`sharedDeployment`): a request `deployments/<stack>-<stage>.request`
 *   is answered by `deployments/<stack>-<stage>.json`, or `.json.failed` with the error;
 * - the plans of stack files the suites ask for (`sharedConfigPlan`: promotion's): a request
 *   `config-plans/<name>.request` holding the stack and its config is answered by `config-plans/<name>.json`.
 * A request is served before the next plan: the suite that asked is waiting for it.
 * The plans, each deployment and each plan of a stack file, of an earlier run whose every input answers
 * as it did, are used instead of computing them (./kept-results.ts).
 * Started by the infra project's global setup and stopped by its teardown; it also stops when
 * the directory is removed or the process that started it is gone.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { keepResults, keptResults, recordInputs, watchModuleLoads } from "./kept-results";
// The stacks and the components load once the recording of inputs has begun; what is loaded before it is recorded as loaded.
import { deploymentsFolder } from "./shared-deployments";
import { configPlansFolder } from "./shared-plans";

export const planStacks = ["dev", "prod"] as const;
/** Written beside the plans when they are an earlier run's, kept. */
export const keptMark = "plans.kept";
/** Written beside the plans when they could not be kept, saying why. */
export const unkeptMark = "plans.unkept";
/** Written beside a deployment (`<stack>-<stage>.json.kept`, `.unkept` saying why), or a plan of a stack file, as those two beside the plans. */
export const deploymentMarks = { kept: ".kept", unkept: ".unkept" } as const;

/** What each kept input answered when this worker first asked (tests/support/kept-results.ts: `answers`). */
const answers = new Map<string, string>();

/** `contents` into `file`, whole. */
function writeWhole(file: string, contents: string): void {
    fs.writeFileSync(`${file}.partial`, contents);
    fs.renameSync(`${file}.partial`, file);
}

/** Deploys, and plans, what was asked for and not yet answered, in the order asked. */
async function serveRequests(dir: string): Promise<void> {
    await serve(dir, deploymentsFolder, (name) => {
        const match = name.match(/^(dev|prod)-(\d+)$/);
        if (!match) throw new Error(`no such deployment: ${name}`);
        return deployment(match[1] as "dev" | "prod", Number(match[2]), dir);
    });
    await serve(dir, configPlansFolder, (name) => configPlan(name, dir));
}

/**
 * Answers each request in `folder` not yet answered, in the order asked, with what `answer` gives for its name (or the
 * error: once, not again every round).
 */
async function serve(dir: string, folder: string, answer: (name: string) => Promise<string>): Promise<void> {
    folder = path.join(dir, folder);
    let names: string[];
    try {
        names = fs.readdirSync(folder);
    } catch {
        return; // Nothing asked yet.
    }
    const asked = names
        .filter((name) => name.endsWith(".request") && ![".json", ".json.failed"].some((answer) => names.includes(name.replace(/\.request$/, answer))))
        .map((name) => ({ name, at: fs.statSync(path.join(folder, name)).mtimeMs }))
        .sort((a, b) => a.at - b.at);
    for (const { name } of asked) {
        const file = path.join(folder, name.replace(/\.request$/, ".json"));
        try {
            writeWhole(file, await answer(name.replace(/\.request$/, "")));
        } catch (err) {
            writeWhole(`${file}.failed`, String((err as Error)?.message ?? err));
        }
    }
}

/** `stack` deployed at `stage` (JSON): an earlier run's, kept, or computed now and kept (beside it: which, and why not kept). */
function deployment(stack: "dev" | "prod", stage: number, dir: string): Promise<string> {
    return keptAnswer(dir, deploymentsFolder, `${stack}-${stage}.json`, {}, async () => {
        const { deployStage } = await import("./deploy-stage");
        return JSON.stringify(await deployStage(stack, stage));
    });
}

/**
 * The plan of the stack file a request named `name` holds (its stack and config, as `planConfig` takes them): an earlier
 * run's, kept, or computed now and kept, as a deployment is. The request is kept with it: a record is used only for the
 * request it answered.
 */
function configPlan(name: string, dir: string): Promise<string> {
    const request = fs.readFileSync(path.join(dir, configPlansFolder, `${name}.request`), "utf8");
    const { stack, config } = JSON.parse(request) as { stack: string; config: Record<string, string> };
    return keptAnswer(dir, configPlansFolder, `${name}.json`, { [`${name}.request`]: request }, async () => {
        const { planConfig } = await import("../../tools/plan");
        return JSON.stringify(await planConfig(stack, config));
    });
}

/**
 * The answer `file` to a request in `folder` of the run's directory: the one an earlier run kept, in a record of it
 * alone with `asked` (each as it is now), or `compute`'s, kept with `asked` under what it read; beside it, a mark that it
 * was kept, or why it could not be.
 */
async function keptAnswer(dir: string, folder: string, file: string, asked: Record<string, string>, compute: () => Promise<string>): Promise<string> {
    const computation = path.join(folder, file.replace(/\.json$/, ""));
    const marks = path.join(dir, folder, file);
    const record = keptResults(computation, { answers });
    // Another computation's folder moved in this one's place is not it.
    const alone =
        record && Object.keys(record).length === Object.keys(asked).length + 1 && Object.entries(asked).every(([name, value]) => record[name] === value);
    if (alone && record[file] !== undefined) {
        writeWhole(marks + deploymentMarks.kept, "");
        return record[file];
    }
    // Recorded on its own, within the plans' recording when they are being computed (their reads are then the plans' too).
    const recording = recordInputs([dir]);
    let result: string | undefined;
    try {
        result = await compute();
        return result;
    } finally {
        const recorded = recording.stop();
        if (result === undefined) {
            // The error reaches the suite that asked.
        } else if ("inputs" in recorded) keepResults(computation, recorded.inputs, { ...asked, [file]: result });
        else writeWhole(marks + deploymentMarks.unkept, recorded.unkept);
    }
}

/** Every plan, kept under what it was computed from (or, written beside them, why not). */
async function computePlans(dir: string): Promise<void> {
    const recording = recordInputs([dir]);
    const plans: Record<string, string> = {};
    let computed = false;
    try {
        const { stages } = await import("../../stacks/registry");
        const { planStack } = await import("../../tools/plan");
        // Stage by stage, both stacks: a suite that reads the early stages waits least.
        for (const { number } of stages) {
            for (const stack of planStacks) {
                await serveRequests(dir);
                const name = `${stack}-${number}.json`;
                plans[name] = JSON.stringify(await planStack(stack, String(number)));
                writeWhole(path.join(dir, name), plans[name]);
            }
        }
        computed = true;
    } finally {
        // Stopped however the computation ends; kept only when every plan was computed, the recording saw every
        // read, and nothing changed while they were computed.
        const recorded = recording.stop();
        if (!computed) {
            // The error reaches the suites (main's `failed`).
        } else if ("inputs" in recorded) keepResults("plans", recorded.inputs, plans);
        else writeWhole(path.join(dir, unkeptMark), recorded.unkept);
    }
}

/** An earlier run's plans of every stage of both stacks, when they are kept. */
async function keptPlansOfEveryStage(): Promise<Record<string, string> | undefined> {
    const kept = keptResults("plans", { answers });
    if (!kept) return undefined;
    const { stages } = await import("../../stacks/registry");
    return stages.every(({ number }) => planStacks.every((stack) => `${stack}-${number}.json` in kept)) ? kept : undefined;
}

async function main(dir: string): Promise<void> {
    // Before the stacks load: a deployment recorded later records their modules as they were loaded.
    watchModuleLoads();
    const kept = await keptPlansOfEveryStage();
    if (kept) {
        for (const [name, plan] of Object.entries(kept)) writeWhole(path.join(dir, name), plan);
        // For the run's summary (tests/summary-reporter.js).
        writeWhole(path.join(dir, keptMark), "");
    } else await computePlans(dir);
    const parent = process.ppid;
    while (fs.existsSync(dir) && process.ppid === parent) {
        await serveRequests(dir);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

if (require.main === module) {
    main(process.argv[2]).catch((err: unknown) => {
        // The waiting tests read this and fail with the message (when the run still has its directory).
        fs.writeFile(path.join(process.argv[2], "failed"), String((err as Error)?.message ?? err), () => process.exit(1));
    });
}
