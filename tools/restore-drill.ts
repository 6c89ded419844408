/**
 * The restore drill: `npm run -s restore-drill -- --stack <stack>` restores the latest recovery
 * point of each Aurora cluster in the stack's backup plan (its `backup` output) into a throwaway
 * cluster beside it (same subnets and security groups), adds one instance, counts the rows of
 * every table there and in the live cluster, and always deletes what it made. It fails when a
 * restore fails, a table is missing, or a table the live cluster has rows in comes back empty.
 * Run weekly by `.github/workflows/restore-drill.yml` from a runner inside the VPC.
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

export interface DrillEnvironment {
    /** `aws <args> --output json`, parsed; throws with AWS's message on failure. */
    aws(args: string[]): any;
    /** The stack's `backup` output. */
    backup(stack: string): { vaultName: string; roleArn: string; region: string; databases: { arn: string; secretArn: string }[] } | undefined;
    /** Rows per table of the database at `host`, signed in with the cluster's master secret. */
    rowCounts(host: string, secretArn: string, database: string): Record<string, number>;
    pause(ms: number): Promise<void>;
}

export interface DrillResult {
    cluster: string;
    recoveryPoint?: string;
    restored?: string;
    counts?: Record<string, { live: number; restored: number | undefined }>;
    problems: string[];
}

const clusterArn = /^arn:aws:rds:([a-z0-9-]+):\d{12}:cluster:(.+)$/;

export async function restoreDrill(env: DrillEnvironment, stack: string, options: { instanceClass?: string; pollMs?: number; timeoutMs?: number } = {}) {
    const backup = env.backup(stack);
    if (!backup) throw new Error(`\`pulumi stack output backup --stack ${stack}\` gave nothing: no credentials, or no backup plan`);
    const results: DrillResult[] = [];
    for (const { arn, secretArn } of backup.databases.filter((d) => clusterArn.test(d.arn))) {
        const [, region, id] = arn.match(clusterArn)!;
        const aws = (...args: string[]) => env.aws([...args, "--region", region]);
        const result: DrillResult = { cluster: id, problems: [] };
        results.push(result);
        const points = (aws("backup", "list-recovery-points-by-resource", "--resource-arn", arn).RecoveryPoints ?? []) as {
            RecoveryPointArn: string;
            Status: string;
            CreationDate: string;
        }[];
        const latest = points.filter((p) => p.Status === "COMPLETED").sort((a, b) => Date.parse(b.CreationDate) - Date.parse(a.CreationDate))[0];
        if (!latest) {
            result.problems.push(`${id}: no completed recovery point`);
            continue;
        }
        result.recoveryPoint = latest.RecoveryPointArn;
        const live = aws("rds", "describe-db-clusters", "--db-cluster-identifier", id).DBClusters[0];
        const drill = `drill-${id}`.slice(0, 55) + `-${Date.now().toString(36).slice(-6)}`;
        const metadata = {
            ...aws("backup", "get-recovery-point-restore-metadata", "--backup-vault-name", backup.vaultName, "--recovery-point-arn", latest.RecoveryPointArn)
                .RestoreMetadata,
            DBClusterIdentifier: drill,
            DBSubnetGroupName: live.DBSubnetGroup,
            VpcSecurityGroupIds: JSON.stringify(live.VpcSecurityGroups.map((g: { VpcSecurityGroupId: string }) => g.VpcSecurityGroupId)),
        };
        try {
            const job = aws(
                "backup",
                "start-restore-job",
                "--recovery-point-arn",
                latest.RecoveryPointArn,
                "--iam-role-arn",
                backup.roleArn,
                "--resource-type",
                "Aurora",
                "--metadata",
                JSON.stringify(metadata),
            ).RestoreJobId;
            const deadline = Date.now() + (options.timeoutMs ?? 3 * 3_600_000);
            for (;;) {
                const status = aws("backup", "describe-restore-job", "--restore-job-id", job);
                if (status.Status === "COMPLETED") break;
                if (status.Status === "FAILED" || status.Status === "ABORTED")
                    throw new Error(`restore job ${job}: ${status.Status} ${status.StatusMessage ?? ""}`);
                if (Date.now() > deadline) throw new Error(`restore job ${job}: not done in time`);
                await env.pause(options.pollMs ?? 30_000);
            }
            result.restored = drill;
            // A restored Aurora cluster has no instance: one is needed to read it.
            aws(
                "rds",
                "create-db-instance",
                "--db-instance-identifier",
                `${drill}-1`,
                "--db-cluster-identifier",
                drill,
                "--engine",
                live.Engine,
                "--db-instance-class",
                options.instanceClass ?? "db.r6g.large",
            );
            aws("rds", "wait", "db-instance-available", "--db-instance-identifier", `${drill}-1`);
            const restoredHost = aws("rds", "describe-db-clusters", "--db-cluster-identifier", drill).DBClusters[0].Endpoint;
            // The copy has the master password of its recovery point: the live cluster's secret, unless rotated since.
            const liveCounts = env.rowCounts(live.Endpoint, secretArn, live.DatabaseName);
            const restoredCounts = env.rowCounts(restoredHost, secretArn, live.DatabaseName);
            result.counts = Object.fromEntries(Object.entries(liveCounts).map(([table, n]) => [table, { live: n, restored: restoredCounts[table] }]));
            for (const [table, { live: n, restored }] of Object.entries(result.counts)) {
                if (restored === undefined) result.problems.push(`${id}: table ${table} is missing from the restored copy`);
                else if (n > 0 && restored === 0) result.problems.push(`${id}: table ${table} came back empty (${n} rows live)`);
            }
        } catch (err) {
            result.problems.push(`${id}: ${(err as Error).message}`);
        } finally {
            // Always: the drill leaves nothing behind, whatever failed.
            for (const command of [
                ["rds", "delete-db-instance", "--db-instance-identifier", `${drill}-1`, "--skip-final-snapshot"],
                ["rds", "wait", "db-instance-deleted", "--db-instance-identifier", `${drill}-1`],
                ["rds", "delete-db-cluster", "--db-cluster-identifier", drill, "--skip-final-snapshot"],
            ]) {
                try {
                    aws(...command);
                } catch {
                    // Nothing was made that far.
                }
            }
        }
    }
    return results;
}

/** The drill's report, a Markdown table per cluster. */
export function renderDrill(results: DrillResult[]): string {
    return results
        .map((r) =>
            [
                `### ${r.cluster}: ${r.problems.length === 0 ? "restored and checked" : "**failed**"}`,
                ...r.problems.map((p) => `- ${p}`),
                ...(r.counts
                    ? [
                          "| table | live rows | restored rows |",
                          "|---|---|---|",
                          ...Object.entries(r.counts).map(([t, c]) => `| ${t} | ${c.live} | ${c.restored ?? "missing"} |`),
                      ]
                    : []),
            ].join("\n"),
        )
        .join("\n\n");
}

function cliEnvironment(): DrillEnvironment {
    const json = (command: string, args: string[]) => {
        const result = spawnSync(command, args, { encoding: "utf8", timeout: 3_600_000, maxBuffer: 64 * 1024 * 1024 });
        if (result.status !== 0) throw new Error(`${command} ${args.slice(0, 2).join(" ")}: ${(result.stderr || result.error?.message || "failed").trim()}`);
        return result.stdout;
    };
    const aws = (args: string[]) => {
        const out = json("aws", [...args, "--output", "json"]).trim();
        return out === "" ? {} : JSON.parse(out);
    };
    return {
        aws,
        backup: (stack) => {
            try {
                return JSON.parse(json("pulumi", ["stack", "output", "backup", "--stack", stack, "--json"]));
            } catch {
                return undefined;
            }
        },
        rowCounts: (host, secretArn, database) => {
            const { username, password } = JSON.parse(aws(["secretsmanager", "get-secret-value", "--secret-id", secretArn]).SecretString);
            // Exact counts of every table of the shop's schema, one "table|rows" line each.
            const sql =
                "SELECT format('%s|%s', table_name, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1";
            const out = spawnSync("psql", ["-At", "-c", sql], {
                encoding: "utf8",
                env: { ...process.env, PGHOST: host, PGUSER: username, PGPASSWORD: password, PGDATABASE: database, PGSSLMODE: "require" },
            });
            if (out.status !== 0) throw new Error(`psql on ${host}: ${out.stderr.trim()}`);
            return Object.fromEntries(
                out.stdout
                    .trim()
                    .split("\n")
                    .filter(Boolean)
                    .map((line) => [line.split("|")[0], Number(line.split("|")[1])]),
            );
        },
        pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { stack: { type: "string" }, "instance-class": { type: "string" } }, strict: true });
    if (!values.stack) {
        process.stderr.write("usage: npm run -s restore-drill -- --stack <org/project/stack> [--instance-class db.r6g.large]\n");
        process.exit(2);
    }
    const results = await restoreDrill(cliEnvironment(), values.stack, { instanceClass: values["instance-class"] });
    process.stdout.write(`${renderDrill(results)}\n`);
    if (results.length === 0 || results.some((r) => r.problems.length > 0)) process.exitCode = 1;
}

if (require.main === module) {
    main().catch((err: unknown) => {
        process.stderr.write(`restore drill failed: ${(err as Error).message}\n`);
        process.exitCode = 1;
    });
}
