/**
 * What the lab starts for a stage, as data: the same cut the stacks make (the stage registry,
 * `shopApps` of stacks/service-layout.ts, the regions of the prod stack), scaled to one
 * machine: one PostgreSQL server per domain cluster, one replica where Aurora has readers, two
 * comment shards (dev's count), two shop processes where a fleet has several instances.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { findStage, allowedStages, Stage } from "../../stacks/registry";
import { ShopApp, shopApps } from "../../stacks/service-layout";
import { projectRoot } from "../project-root";

/** The database clusters by domain; `orders` is stage 2's cluster, which keeps the main URL (SHOP_DATABASE_URL). */
export type Domain = "orders" | "catalog" | "users";

export interface LabLayout {
    stage: Stage;
    /** The stage whose topology runs: 14 and 15 run as 13. */
    runsAs: number;
    /** Why the topology differs from the stage's, when it does. */
    note?: string;
    domains: Domain[];
    /** Streaming replicas of each cluster in the home region. */
    replicas: number;
    commentShards: number;
    redis: boolean;
    search: boolean;
    /** SHOP_REGION of each cell; the first is home, where the writers are. */
    regions: string[];
    /** The shop's fleets of each cell, with how many processes each runs. */
    apps: { key: string; app: ShopApp; processes: number }[];
    /** Nginx instances per cell (the renderer's configuration), 0 before stage 4. */
    nginx: number;
    /** An nginx `stream` layer in front of each cell's Nginx instances (the NLB, stage 8+). */
    l4: boolean;
    /** An internal balancer sending the other apps their API paths (the internal ALB of stage 11). */
    pathRouting: boolean;
}

export function labLayout(ref: number | string): LabLayout {
    const stage = findStage(ref);
    if (!stage) throw new LabUsageError(`--stage must be ${allowedStages()} (got ${JSON.stringify(String(ref))})`);
    const n = Math.min(stage.number, 13);
    const apps = Object.entries(shopApps(n)).map(([key, app]) => ({ key, app, processes: key === "app" && n >= 4 ? 2 : 1 }));
    return {
        stage,
        runsAs: n,
        note:
            stage.number > 13
                ? `stage ${stage.number} runs as stage 13: its step is Kubernetes (EKS${stage.number === 15 ? ", node autoscaling, Aurora Serverless" : ""}), which one machine without a cluster cannot show; the processes, environment and balancers are the same`
                : undefined,
        domains: n >= 6 ? ["orders", "catalog", "users"] : ["orders"],
        replicas: n >= 5 ? 1 : 0,
        commentShards: n >= 7 ? 2 : 0,
        redis: n >= 3,
        search: n >= 10,
        regions: n >= 9 ? prodRegions().slice(0, 2) : prodRegions().slice(0, 1),
        apps,
        nginx: n >= 8 ? 2 : n >= 4 ? 1 : 0,
        l4: n >= 8,
        pathRouting: apps.filter(({ app }) => app.reachedBy === "paths").length > 0,
    };
}

/** A problem with the command line: printed as one line, exit status 2. */
export class LabUsageError extends Error {}

/** The regions of the prod stack (Pulumi.prod.yaml), home first. */
function prodRegions(): string[] {
    const file = path.join(projectRoot, "Pulumi.prod.yaml");
    const regions = parse(fs.readFileSync(file, "utf8"))?.config?.["shop-evolution:regions"];
    if (!Array.isArray(regions) || regions.length < 2) throw new Error(`${file} names fewer than two shop-evolution:regions`);
    return regions.map(String);
}
