/**
 * Regional failover as a checked, ordered runbook (stage 9 on):
 *   npm run failover -- --stack prod --to eu-west-1 [--unplanned] [--execute]
 * reads the stack's `failover` output (every Aurora global database and the ElastiCache global
 * datastore, with their member in each region), checks that the target region holds a healthy
 * member of each, then moves each primary there, one at a time, checking after each step that it
 * took before the next: `aws rds switchover-global-cluster` (planned: no data lost) or
 * `failover-global-cluster --allow-data-loss` (unplanned: the home region is gone), then
 * `aws elasticache failover-global-replication-group` (planned) or
 * `disassociate-global-replication-group` (unplanned: the target's copy stands alone). Last, it
 * puts the target first in `shop-evolution:regions` of the stack file, for `pulumi up` to make it
 * the home region. Without `--execute` it runs the checks and prints the steps it would take.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { parseDocument } from "yaml";
import { project } from "../stacks/config";
import { projectRoot } from "./project-root";
import { stackFilePath } from "./stack-files";

export interface FailoverTargets {
    home: string;
    globalClusters: { id: string; members: Record<string, string> }[];
    globalDatastore?: { id: string; members: Record<string, string> };
}

/** The commands the runbook needs, so that a test can stand in for AWS and Pulumi. */
export interface FailoverEnvironment {
    /** `aws <args> --output json`, parsed; throws with AWS's message on failure. */
    aws(args: string[]): any;
    /** The stack's `failover` output, or undefined (no credentials, or a stage before 9). */
    targets(stack: string): FailoverTargets | undefined;
    /** Waits between checks of a step that is still under way. */
    pause(ms: number): Promise<void>;
}

export function cliEnvironment(bin = { aws: "aws", pulumi: "pulumi" }): FailoverEnvironment {
    return {
        aws(args) {
            const result = spawnSync(bin.aws, [...args, "--output", "json"], { encoding: "utf8", timeout: 120_000 });
            if (result.status !== 0) throw new Error(`aws ${args.slice(0, 2).join(" ")}: ${(result.stderr || result.error?.message || "failed").trim()}`);
            return result.stdout.trim() === "" ? {} : JSON.parse(result.stdout);
        },
        targets(stack) {
            const result = spawnSync(bin.pulumi, ["stack", "output", "failover", "--stack", stack, "--json"], { encoding: "utf8", timeout: 60_000 });
            return result.status === 0 && result.stdout.trim() !== "" ? (JSON.parse(result.stdout) as FailoverTargets) : undefined;
        },
        pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
}

export interface FailoverOptions {
    stack: string;
    to: string;
    unplanned?: boolean;
    execute?: boolean;
    dir?: string;
    /** How long a step may take, and how often it is checked. @default 30 minutes, every 15 s */
    timeoutMs?: number;
    pollMs?: number;
}

/** Runs the runbook; every line it reports, and whether it completed (or, dry, would). */
export async function failover(env: FailoverEnvironment, options: FailoverOptions, report: (line: string) => void = () => undefined): Promise<boolean> {
    const { stack, to } = options;
    const say = (line: string) => report(line);
    const targets = env.targets(stack);
    if (!targets) {
        say(`refused: \`pulumi stack output failover --stack ${stack}\` gave nothing: no credentials, or the stack is before stage 9`);
        return false;
    }
    const problems: string[] = [];
    if (targets.home === to) problems.push(`${to} is already the home region`);
    for (const g of targets.globalClusters) if (!g.members[to]) problems.push(`global database ${g.id} has no member in ${to}`);
    if (targets.globalDatastore && !targets.globalDatastore.members[to]) problems.push(`global datastore ${targets.globalDatastore.id} has no member in ${to}`);
    if (problems.length > 0) {
        problems.forEach((p) => say(`refused: ${p}`));
        return false;
    }

    // Read-only checks first, for every resource, before anything moves.
    const describeCluster = (id: string, region: string) =>
        env.aws(["rds", "describe-global-clusters", "--global-cluster-identifier", id, "--region", region]).GlobalClusters?.[0];
    const describeDatastore = (id: string, region: string) =>
        env.aws(["elasticache", "describe-global-replication-groups", "--global-replication-group-id", id, "--show-member-info", "--region", region])
            .GlobalReplicationGroups?.[0];
    // Unplanned: the home region may not answer, so the target region is asked.
    const askIn = options.unplanned ? to : targets.home;
    for (const g of targets.globalClusters) {
        const state = describeCluster(g.id, askIn);
        const member = state?.GlobalClusterMembers?.find((m: any) => m.DBClusterArn === g.members[to]);
        if (!member) problems.push(`global database ${g.id}: ${g.members[to]} is not among its members`);
        else if (!options.unplanned && state.Status !== "available") problems.push(`global database ${g.id} is ${state.Status}, not available`);
    }
    if (targets.globalDatastore) {
        const state = describeDatastore(targets.globalDatastore.id, askIn);
        const member = state?.Members?.find((m: any) => m.ReplicationGroupId === targets.globalDatastore!.members[to]);
        if (!member) problems.push(`global datastore ${targets.globalDatastore.id}: ${targets.globalDatastore.members[to]} is not among its members`);
        else if (!options.unplanned && state.Status !== "primary-only" && state.Status !== "available")
            problems.push(`global datastore ${targets.globalDatastore.id} is ${state.Status}, not available`);
    }
    if (problems.length > 0) {
        problems.forEach((p) => say(`refused: ${p}`));
        return false;
    }
    say(`checked: every global database and the datastore have a healthy member in ${to}`);

    const step = async (description: string, command: string[], done: () => boolean) => {
        if (!options.execute) {
            say(`would run: aws ${command.join(" ")}`);
            return;
        }
        say(`running: aws ${command.join(" ")}`);
        env.aws(command);
        const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
        while (!done()) {
            if (Date.now() > deadline) throw new Error(`${description}: not done within ${Math.round((options.timeoutMs ?? 1_800_000) / 60_000)} minutes`);
            await env.pause(options.pollMs ?? 15_000);
        }
        say(`done: ${description}`);
    };

    for (const g of targets.globalClusters) {
        const command = options.unplanned
            ? ["rds", "failover-global-cluster", "--global-cluster-identifier", g.id, "--target-db-cluster-identifier", g.members[to], "--allow-data-loss"]
            : ["rds", "switchover-global-cluster", "--global-cluster-identifier", g.id, "--target-db-cluster-identifier", g.members[to]];
        await step(`${g.id} writes in ${to}`, [...command, "--region", to], () => {
            const state = describeCluster(g.id, to);
            const writer = state?.GlobalClusterMembers?.find((m: any) => m.IsWriter);
            return writer?.DBClusterArn === g.members[to] && state.Status === "available";
        });
    }
    const datastore = targets.globalDatastore;
    if (datastore) {
        const group = datastore.members[to];
        const command = options.unplanned
            ? ["elasticache", "disassociate-global-replication-group", "--global-replication-group-id", datastore.id, "--replication-group-id", group]
            : ["elasticache", "failover-global-replication-group", "--global-replication-group-id", datastore.id, "--primary-replication-group-id", group];
        await step(
            `${datastore.id} primary in ${to}`,
            [...command, options.unplanned ? "--replication-group-region" : "--primary-region", to, "--region", to],
            () => {
                if (options.unplanned) {
                    const members = describeDatastore(datastore.id, to)?.Members ?? [];
                    return !members.some((m: any) => m.ReplicationGroupId === group);
                }
                const member = describeDatastore(datastore.id, to)?.Members?.find((m: any) => m.ReplicationGroupId === group);
                return member?.Role === "PRIMARY" && member.Status === "associated";
            },
        );
    }

    const file = stackFilePath(stack, options.dir ?? projectRoot);
    const document = parseDocument(fs.readFileSync(file, "utf8"));
    const regions = (document.getIn(["config", `${project}:regions`]) as { toJSON(): string[] } | undefined)?.toJSON() ?? [targets.home];
    const reordered = [to, ...regions.filter((r) => r !== to)];
    if (options.execute) {
        document.setIn(["config", `${project}:regions`], reordered);
        fs.writeFileSync(file, document.toString());
        say(`wrote ${project}:regions: ${reordered.join(", ")} into ${file}: commit it and \`pulumi up --stack ${stack}\` makes ${to} the home region`);
    } else {
        say(`would write ${project}:regions: ${reordered.join(", ")}, then \`pulumi up --stack ${stack}\``);
    }
    return true;
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: { stack: { type: "string" }, to: { type: "string" }, unplanned: { type: "boolean" }, execute: { type: "boolean" } },
        strict: true,
    });
    if (!values.stack || !values.to) {
        process.stderr.write("usage: npm run failover -- --stack <stack> --to <region> [--unplanned] [--execute]\n");
        process.exit(2);
    }
    try {
        const ok = await failover(cliEnvironment(), { stack: values.stack, to: values.to, unplanned: values.unplanned, execute: values.execute }, (line) =>
            process.stdout.write(`${line}\n`),
        );
        process.exitCode = ok ? 0 : 2;
    } catch (err) {
        process.stderr.write(`failover stopped: ${(err as Error).message}\n`);
        process.exitCode = 1;
    }
}

if (require.main === module) void main();
