import * as fs from "node:fs";
import { capacityModel, costLabel, costOf, renderCost, usersCarried, usersPerApp } from "../tools/cost";
import { readmePath } from "../tools/readme";
import { Plan } from "../tools/plan";
import { priceTable } from "../tools/prices";

const resource = (type: string, name: string, inputs: Record<string, unknown>, parent: string | null = null): Plan["resources"][number] => ({
    urn: `urn:${type}::${name}`,
    type,
    name,
    parent,
    region: "us-east-1",
    protect: false,
    retainOnDelete: false,
    inputs,
    dependsOn: [],
});
const plan = (resources: Plan["resources"]): Plan => ({
    project: "shop-evolution",
    stack: "prod",
    stage: { number: 4, slug: "reverse-proxy" },
    resources,
    outputs: {},
});

describe("cost and capacity", () => {
    it("carries the seed's example: one Nginx (50,000) in front of 500 app servers (100 each) carries 50,000 users", () => {
        expect(usersCarried({ app: 500, nginx: 1 }, { usersPerApp: 100, usersPerNginx: 50_000 })).toBe(50_000);
        expect(usersCarried({ app: 100, nginx: 1 }, { usersPerApp: 100, usersPerNginx: 50_000 })).toBe(10_000);
        expect(usersCarried({ app: 3 }, { usersPerApp: 100, usersPerNginx: 50_000 })).toBe(300);
    });

    it("derives the users per app server from the benchmark's figure, a think time and headroom", () => {
        expect(usersPerApp).toBe(Math.floor(capacityModel.requestsPerSecondPerApp * capacityModel.thinkTimeSeconds * capacityModel.headroom));
    });

    it("prices fleets at their minimum size, Aurora and its Serverless v2 readers, caches, NAT and load balancers from the table", () => {
        const hours = priceTable.hoursPerMonth;
        const report = costOf(
            plan([
                resource(
                    "aws:ec2/launchTemplate:LaunchTemplate",
                    "shop-app-fleet-us-east-1",
                    { instanceType: "t3.small", blockDeviceMappings: [{ ebs: { volumeSize: 30 } }] },
                    "fleet",
                ),
                resource("aws:autoscaling/group:Group", "shop-app-fleet-us-east-1", { minSize: 2, maxSize: 10 }, "fleet"),
                resource("aws:rds/cluster:Cluster", "db", { serverlessv2ScalingConfiguration: { minCapacity: 0.5, maxCapacity: 8 } }, "aurora"),
                resource("aws:rds/clusterInstance:ClusterInstance", "db-writer", { instanceClass: "db.r6g.large" }, "aurora"),
                resource("aws:rds/clusterInstance:ClusterInstance", "db-reader-1", { instanceClass: "db.serverless" }, "aurora"),
                resource("aws:elasticache/replicationGroup:ReplicationGroup", "cache", { nodeType: "cache.r7g.large", numCacheClusters: 2 }, "redis"),
                resource("aws:ec2/natGateway:NatGateway", "nat", {}),
                resource("aws:lb/loadBalancer:LoadBalancer", "edge", {}),
            ]),
        );
        const expected =
            2 * (0.0208 * hours + 30 * priceTable.ebsGp3) +
            0.26 * hours +
            0.5 * priceTable.auroraAcuHour * hours +
            2 * 0.1752 * hours +
            priceTable.natGateway * hours +
            priceTable.loadBalancer * hours;
        expect(report.monthly).toBeCloseTo(expected, 6);
        expect(report.users).toEqual({ min: 2 * usersPerApp, max: 10 * usersPerApp });
        expect(report.unpriced).toEqual([]);
    });

    it("names the sizes the price table does not know, rather than guessing", () => {
        expect(costOf(plan([resource("aws:ec2/instance:Instance", "server", { instanceType: "x9.huge" })])).unpriced).toEqual(["x9.huge"]);
    });

    it("says what the figures are, in --cost's output and right above the README's table: a floor with no usage charges", () => {
        expect(costLabel).toMatch(/^Fixed monthly floor at minimum size; usage charges excluded/);
        const report = costOf(plan([resource("aws:ec2/instance:Instance", "server", { instanceType: "t3.small" })]));
        expect(renderCost(plan([]), report).split("\n")[0]).toBe(costLabel);
        const readme = fs.readFileSync(readmePath, "utf8");
        const table = readme.indexOf("| stage | stack | resources | a month |");
        expect(readme.slice(readme.lastIndexOf("<!-- generated:costs -->", table), table)).toContain(costLabel);
    });
});
