import { DrillEnvironment, renderDrill, restoreDrill } from "../tools/restore-drill";

const arn = (id: string) => `arn:aws:rds:us-east-1:123456789012:cluster:${id}`;

/** AWS as the drill sees it: one recovery point a cluster, a restore job that takes two checks (or fails), row counts per host. */
function fakeEnv(options: { jobStatus?: string; restoredRows?: Record<string, number> } = {}) {
    const calls: string[] = [];
    let checks = 0;
    const env: DrillEnvironment = {
        backup: () => ({
            vaultName: "shop-backup-abc",
            roleArn: "arn:aws:iam::123456789012:role/shop-backup-role",
            region: "us-east-1",
            databases: [{ arn: arn("shop-db-1"), secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db" }],
        }),
        pause: async () => undefined,
        rowCounts: (host) => (host.startsWith("drill-") ? (options.restoredRows ?? { products: 1000, orders: 12 }) : { products: 1000, orders: 14 }),
        aws(args) {
            calls.push(args.join(" "));
            const flag = (name: string) => args[args.indexOf(name) + 1];
            switch (`${args[0]} ${args[1]}`) {
                case "backup list-recovery-points-by-resource":
                    return {
                        RecoveryPoints: [
                            { RecoveryPointArn: "rp-old", Status: "COMPLETED", CreationDate: "2026-11-28T05:00:00Z" },
                            { RecoveryPointArn: "rp-new", Status: "COMPLETED", CreationDate: "2026-11-30T05:00:00Z" },
                            { RecoveryPointArn: "rp-partial", Status: "PARTIAL", CreationDate: "2026-11-30T06:00:00Z" },
                        ],
                    };
                case "rds describe-db-clusters":
                    return flag("--db-cluster-identifier").startsWith("drill-")
                        ? { DBClusters: [{ Endpoint: `${flag("--db-cluster-identifier")}.cluster.example` }] }
                        : {
                              DBClusters: [
                                  {
                                      Endpoint: "shop-db-1.cluster.example",
                                      DBSubnetGroup: "shop-db-subnets",
                                      VpcSecurityGroups: [{ VpcSecurityGroupId: "sg-1" }],
                                      Engine: "aurora-postgresql",
                                      DatabaseName: "shop",
                                  },
                              ],
                          };
                case "backup get-recovery-point-restore-metadata":
                    return { RestoreMetadata: { Engine: "aurora-postgresql", DBClusterIdentifier: "shop-db-1" } };
                case "backup start-restore-job":
                    return { RestoreJobId: "job-1" };
                case "backup describe-restore-job":
                    return { Status: ++checks < 2 ? "RUNNING" : (options.jobStatus ?? "COMPLETED"), StatusMessage: "snapshot unusable" };
                default:
                    return {};
            }
        },
    };
    return { env, calls };
}

describe("the restore drill", () => {
    it("restores the latest completed point beside the cluster, counts every table in both, and deletes what it made", async () => {
        const { env, calls } = fakeEnv();
        const [result] = await restoreDrill(env, "org/shop-evolution/prod", { pollMs: 0 });
        expect(result.problems).toEqual([]);
        expect(result.recoveryPoint).toBe("rp-new");
        expect(result.counts).toEqual({ products: { live: 1000, restored: 1000 }, orders: { live: 14, restored: 12 } });
        const start = calls.find((c) => c.startsWith("backup start-restore-job"))!;
        const metadata = JSON.parse(start.slice(start.indexOf("--metadata ") + 11, start.lastIndexOf(" --region")));
        expect(metadata).toMatchObject({ DBClusterIdentifier: result.restored, DBSubnetGroupName: "shop-db-subnets", VpcSecurityGroupIds: '["sg-1"]' });
        expect(calls.filter((c) => c.startsWith("rds delete-"))).toEqual([
            `rds delete-db-instance --db-instance-identifier ${result.restored}-1 --skip-final-snapshot --region us-east-1`,
            `rds delete-db-cluster --db-cluster-identifier ${result.restored} --skip-final-snapshot --region us-east-1`,
        ]);
        expect(renderDrill([result])).toContain("| orders | 14 | 12 |");
    });

    it("fails on a table that came back empty or missing, and on a failed restore job, cleaning up every time", async () => {
        const empty = fakeEnv({ restoredRows: { products: 0 } });
        const [lost] = await restoreDrill(empty.env, "s", { pollMs: 0 });
        expect(lost.problems).toEqual([
            "shop-db-1: table products came back empty (1000 rows live)",
            "shop-db-1: table orders is missing from the restored copy",
        ]);
        const failed = fakeEnv({ jobStatus: "FAILED" });
        const [job] = await restoreDrill(failed.env, "s", { pollMs: 0 });
        expect(job.problems).toEqual(["shop-db-1: restore job job-1: FAILED snapshot unusable"]);
        expect(failed.calls.filter((c) => c.startsWith("rds delete-db-cluster"))).toHaveLength(1);
        expect(failed.calls.some((c) => c.startsWith("rds create-db-instance"))).toBe(false);
    });
});
