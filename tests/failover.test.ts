import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { failover, FailoverEnvironment, FailoverTargets } from "../tools/failover";
import { projectRoot } from "../tools/project-root";

const arn = (region: string, name: string) => `arn:aws:rds:${region}:123456789012:cluster:${name}`;
const targets: FailoverTargets = {
    home: "us-east-1",
    globalClusters: [
        { id: "shop-db", members: { "us-east-1": arn("us-east-1", "db-home"), "eu-west-1": arn("eu-west-1", "db-far") } },
        { id: "shop-catalog", members: { "us-east-1": arn("us-east-1", "cat-home"), "eu-west-1": arn("eu-west-1", "cat-far") } },
    ],
    globalDatastore: { id: "ldgnf-shop-cache", members: { "us-east-1": "shop-cache-home", "eu-west-1": "shop-cache-far" } },
};

/** AWS as far as the runbook sees it: global databases and a datastore whose primaries move a check or two after they are asked to. */
function fakeAws(options: { datastoreStatus?: string; lag?: number } = {}) {
    const calls: string[] = [];
    const writer: Record<string, string> = { "shop-db": "us-east-1", "shop-catalog": "us-east-1" };
    let cachePrimary = "us-east-1";
    let pending: (() => void)[] = [];
    let checks = 0;
    const env: FailoverEnvironment = {
        targets: (stack) => (stack === "prod" ? targets : undefined),
        pause: async () => {
            if (++checks >= (options.lag ?? 1)) {
                pending.forEach((apply) => apply());
                pending = [];
            }
        },
        aws(args) {
            calls.push(args.join(" "));
            const flag = (name: string) => args[args.indexOf(name) + 1];
            switch (`${args[0]} ${args[1]}`) {
                case "rds describe-global-clusters": {
                    const g = targets.globalClusters.find((c) => c.id === flag("--global-cluster-identifier"))!;
                    return {
                        GlobalClusters: [
                            {
                                Status: "available",
                                GlobalClusterMembers: Object.entries(g.members).map(([region, a]) => ({ DBClusterArn: a, IsWriter: writer[g.id] === region })),
                            },
                        ],
                    };
                }
                case "rds switchover-global-cluster":
                case "rds failover-global-cluster": {
                    const id = flag("--global-cluster-identifier");
                    const region = flag("--target-db-cluster-identifier").split(":")[3];
                    pending.push(() => (writer[id] = region));
                    return {};
                }
                case "elasticache describe-global-replication-groups":
                    return {
                        GlobalReplicationGroups: [
                            {
                                Status: options.datastoreStatus ?? "available",
                                Members: Object.entries(targets.globalDatastore!.members).map(([region, id]) => ({
                                    ReplicationGroupId: id,
                                    ReplicationGroupRegion: region,
                                    Role: cachePrimary === region ? "PRIMARY" : "SECONDARY",
                                    Status: "associated",
                                })),
                            },
                        ],
                    };
                case "elasticache failover-global-replication-group":
                    pending.push(() => (cachePrimary = flag("--primary-region")));
                    return {};
                default:
                    throw new Error(`unexpected aws ${args.join(" ")}`);
            }
        },
    };
    return { env, calls, writer: () => ({ ...writer, cache: cachePrimary }) };
}

const stackDirs: string[] = [];
/** A copy of the prod stack's settings for the runbook to rewrite, removed after the suite. */
function stackDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "failover-"));
    stackDirs.push(dir);
    fs.copyFileSync(path.join(projectRoot, "Pulumi.prod.yaml"), path.join(dir, "Pulumi.prod.yaml"));
    return dir;
}
afterAll(() => stackDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describe("regional failover runbook", () => {
    it("moves every global database, then the datastore, checking each took before the next, then makes the target the home region", async () => {
        const aws = fakeAws({ lag: 2 });
        const dir = stackDir();
        const lines: string[] = [];
        expect(await failover(aws.env, { stack: "prod", to: "eu-west-1", execute: true, dir, pollMs: 0 }, (l) => lines.push(l))).toBe(true);
        expect(aws.writer()).toEqual({ "shop-db": "eu-west-1", "shop-catalog": "eu-west-1", cache: "eu-west-1" });
        const moves = aws.calls.filter((c) => !c.includes("describe"));
        expect(moves).toEqual([
            `rds switchover-global-cluster --global-cluster-identifier shop-db --target-db-cluster-identifier ${arn("eu-west-1", "db-far")} --region eu-west-1`,
            `rds switchover-global-cluster --global-cluster-identifier shop-catalog --target-db-cluster-identifier ${arn("eu-west-1", "cat-far")} --region eu-west-1`,
            "elasticache failover-global-replication-group --global-replication-group-id ldgnf-shop-cache --primary-replication-group-id shop-cache-far --primary-region eu-west-1 --region eu-west-1",
        ]);
        // The second database moves only once the first writes in the target region.
        const second = aws.calls.indexOf(moves[1]);
        expect(
            aws.calls.slice(aws.calls.indexOf(moves[0]), second).filter((c) => c.includes("describe-global-clusters --global-cluster-identifier shop-db"))
                .length,
        ).toBeGreaterThan(0);
        expect(lines).toContain("done: shop-db writes in eu-west-1");
        expect(parseYaml(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8")).config["shop-evolution:regions"]).toEqual(["eu-west-1", "us-east-1"]);
    });

    it("unplanned: fails over accepting data loss, asking the target region, and detaches the cache's copy", async () => {
        const aws = fakeAws();
        const lines: string[] = [];
        await failover(aws.env, { stack: "prod", to: "eu-west-1", unplanned: true, dir: stackDir() }, (l) => lines.push(l));
        expect(lines).toContain(
            `would run: aws rds failover-global-cluster --global-cluster-identifier shop-db --target-db-cluster-identifier ${arn("eu-west-1", "db-far")} --allow-data-loss --region eu-west-1`,
        );
        expect(lines).toContain(
            "would run: aws elasticache disassociate-global-replication-group --global-replication-group-id ldgnf-shop-cache --replication-group-id shop-cache-far --replication-group-region eu-west-1 --region eu-west-1",
        );
        expect(aws.calls.every((c) => c.includes("describe") && c.endsWith("--region eu-west-1"))).toBe(true);
    });

    it("without --execute, checks and says what it would do, changing nothing", async () => {
        const aws = fakeAws();
        const dir = stackDir();
        const before = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
        const lines: string[] = [];
        expect(await failover(aws.env, { stack: "prod", to: "eu-west-1", dir }, (l) => lines.push(l))).toBe(true);
        expect(aws.calls.every((c) => c.includes("describe"))).toBe(true);
        expect(lines[0]).toBe("checked: every global database and the datastore have a healthy member in eu-west-1");
        expect(lines.at(-1)).toBe("would write shop-evolution:regions: eu-west-1, us-east-1, then `pulumi up --stack prod`");
        expect(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8")).toBe(before);
    });

    it("refuses a region with no member, the home region, a stack without the output, and an unhealthy datastore, moving nothing", async () => {
        const lines: string[] = [];
        const aws = fakeAws({ datastoreStatus: "modifying" });
        expect(await failover(aws.env, { stack: "prod", to: "ap-south-1", execute: true }, (l) => lines.push(l))).toBe(false);
        expect(lines).toEqual([
            "refused: global database shop-db has no member in ap-south-1",
            "refused: global database shop-catalog has no member in ap-south-1",
            "refused: global datastore ldgnf-shop-cache has no member in ap-south-1",
        ]);
        lines.length = 0;
        expect(await failover(aws.env, { stack: "prod", to: "us-east-1", execute: true }, (l) => lines.push(l))).toBe(false);
        expect(lines).toEqual(["refused: us-east-1 is already the home region"]);
        lines.length = 0;
        expect(await failover(aws.env, { stack: "dev", to: "eu-west-1", execute: true }, (l) => lines.push(l))).toBe(false);
        expect(lines[0]).toMatch(/^refused: `pulumi stack output failover --stack dev` gave nothing/);
        lines.length = 0;
        expect(await failover(aws.env, { stack: "prod", to: "eu-west-1", execute: true, dir: stackDir() }, (l) => lines.push(l))).toBe(false);
        expect(lines).toEqual(["refused: global datastore ldgnf-shop-cache is modifying, not available"]);
        expect(aws.calls.every((c) => c.includes("describe"))).toBe(true);
    });
});
