import * as fs from "node:fs";
import * as path from "node:path";
import { Registered } from "../harness";
import type { StageDeployment } from "./deploy-stage";
import { readWhenWritten, stageNumber } from "./shared-plans";

/** What a stage's deployment registered, with the `ignoreChanges` of each resource declared with any ("type::name"). */
export class DeployedStage extends Registered {
    readonly ignoreChanges: Record<string, string[]>;

    constructor(deployment: StageDeployment) {
        super(deployment);
        this.ignoreChanges = deployment.ignoreChanges;
    }
}

const deployments = new Map<string, Promise<DeployedStage>>();

/**
 * `stack` at `stage` deployed under the mock runtime (`deployStage`), once for the whole test
 * run: the plan worker computes it when a suite first asks (a request file in SHOP_PLAN_DIR),
 * before its next plan, and every suite reads the same JSON. Outside such a run it is deployed
 * here, once a file. The suites only read what a deployment registered.
 */
export function sharedDeployment(stack: "dev" | "prod", stage: number | string): Promise<DeployedStage> {
    const number = stageNumber(stage);
    const key = `${stack}-${number}`;
    if (!deployments.has(key))
        deployments.set(
            key,
            deploymentOf(stack, number).then((d) => new DeployedStage(d)),
        );
    return deployments.get(key)!;
}

async function deploymentOf(stack: "dev" | "prod", stage: number): Promise<StageDeployment> {
    const dir = process.env.SHOP_PLAN_DIR;
    // Loaded only here: a suite the worker serves never loads the components and the provider SDKs for it.
    if (!dir) return (await import("./deploy-stage")).deployStage(stack, stage);
    const file = path.join(deploymentsFolder, `${stack}-${stage}`);
    fs.mkdirSync(path.join(dir, deploymentsFolder), { recursive: true });
    // Asked once a run: another suite may have asked already.
    try {
        fs.writeFileSync(path.join(dir, `${file}.request`), "", { flag: "wx" });
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    return readWhenWritten<StageDeployment>(dir, `${file}.json`, `deployment of ${stack} stage ${stage}`);
}

/** Where in SHOP_PLAN_DIR the requests and the deployments are (beside the plans, which are counted). */
export const deploymentsFolder = "deployments";
