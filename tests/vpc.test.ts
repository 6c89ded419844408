import { Vpc } from "../components/network/vpc";
import { InvalidArgsError } from "../components/validation";
import { refusal, run } from "./harness";

const SUBNET = "aws:ec2/subnet:Subnet";
const ROUTE = "aws:ec2/route:Route";
const NAT = "aws:ec2/natGateway:NatGateway";
const ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation";

function tier(registered: Awaited<ReturnType<typeof run>>, name: string) {
    return registered.ofType(SUBNET).filter((s) => s.name.startsWith(`${name}-`));
}

describe("Vpc", () => {
    it("spans two zones by default, with public, private and isolated subnets in each", async () => {
        const r = await run(() => void new Vpc("net"));
        for (const t of ["public", "private", "isolated"]) {
            const subnets = tier(r, `net-${t}`);
            expect(subnets.map((s) => s.inputs.availabilityZone)).toEqual(["us-east-1a", "us-east-1b"]);
            expect(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false)).toBe(true);
        }
        expect(r.one("aws:ec2/vpc:Vpc", "net").inputs).toMatchObject({ cidrBlock: "10.0.0.0/16", enableDnsHostnames: true });
    });

    it("gives the isolated subnets a route table with no route out of the VPC", async () => {
        const r = await run(() => void new Vpc("net", { azCount: 3, natGateways: "per-az" }));
        expect(tier(r, "net-isolated")).toHaveLength(3);
        const isolatedTable = r.one("aws:ec2/routeTable:RouteTable", "net-isolated");
        const associations = r.ofType(ASSOCIATION).filter((a) => a.name.startsWith("net-isolated-"));
        expect(associations).toHaveLength(3);
        expect(associations.every((a) => a.inputs.routeTableId === "net-isolated-id")).toBe(true);
        expect(r.ofType(ROUTE).filter((route) => route.inputs.routeTableId === "net-isolated-id")).toEqual([]);
        expect(isolatedTable.inputs.vpcId).toBe("net-id");
    });

    it("puts a NAT gateway in every zone for per-az, and routes each private zone through its own", async () => {
        const r = await run(() => void new Vpc("net", { azCount: 3, natGateways: "per-az" }));
        expect(r.ofType(NAT).map((n) => n.inputs.subnetId)).toEqual(["net-public-1-id", "net-public-2-id", "net-public-3-id"]);
        const privateRoutes = r.ofType(ROUTE).filter((route) => route.name.endsWith("-nat"));
        expect(privateRoutes.map((route) => [route.inputs.routeTableId, route.inputs.natGatewayId])).toEqual([
            ["net-private-1-id", "net-nat-1-id"],
            ["net-private-2-id", "net-nat-2-id"],
            ["net-private-3-id", "net-nat-3-id"],
        ]);
    });

    it("shares one NAT gateway in single mode, and has none in none mode", async () => {
        const single = await run(() => void new Vpc("net", { azCount: 3, natGateways: "single" }));
        expect(single.ofType(NAT)).toHaveLength(1);
        expect(single.ofType(ROUTE).filter((route) => route.inputs.natGatewayId === "net-nat-1-id")).toHaveLength(3);
        const none = await run(() => void new Vpc("net", { natGateways: "none" }));
        expect(none.ofType(NAT)).toHaveLength(0);
        expect(none.ofType("aws:ec2/eip:Eip")).toHaveLength(0);
        expect(none.ofType(ROUTE).map((route) => route.name)).toEqual(["net-public-internet"]);
    });

    it("logs all traffic to CloudWatch through a role only the flow-log service can assume", async () => {
        const r = await run(() => void new Vpc("net", { flowLogRetentionDays: 90 }));
        expect(r.one("aws:ec2/flowLog:FlowLog", "net-flow-logs").inputs).toMatchObject({
            vpcId: "net-id",
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
        });
        expect(r.one("aws:cloudwatch/logGroup:LogGroup", "net-flow-logs").inputs.retentionInDays).toBe(90);
        const trust = JSON.parse(r.one("aws:iam/role:Role", "net-flow-logs").inputs.assumeRolePolicy as string);
        expect(trust.Statement[0].Principal).toEqual({ Service: "vpc-flow-logs.amazonaws.com" });
    });

    it("strips every rule from the default security group", async () => {
        const r = await run(() => void new Vpc("net"));
        const sg = r.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "net-default");
        expect(sg.inputs.ingress ?? []).toEqual([]);
        expect(sg.inputs.egress ?? []).toEqual([]);
    });

    it("reaches S3 through a gateway endpoint on the private and isolated route tables", async () => {
        const r = await run(() => void new Vpc("net", { azCount: 2 }), { config: { "aws:region": "eu-west-1" } });
        expect(r.one("aws:ec2/vpcEndpoint:VpcEndpoint", "net-s3").inputs).toMatchObject({
            serviceName: "com.amazonaws.eu-west-1.s3",
            vpcEndpointType: "Gateway",
            routeTableIds: ["net-private-1-id", "net-private-2-id", "net-isolated-id"],
        });
    });

    it("refuses bad arguments, naming each, before registering anything", async () => {
        const { error, registered } = await refusal(() => new Vpc("net", { cidrBlock: "10.0.0.0/8", azCount: 7, natGateways: "lots" as never }));
        expect(error).toBeInstanceOf(InvalidArgsError);
        const problems = (error as InvalidArgsError).problems;
        expect(problems).toHaveLength(3);
        expect(problems[0]).toContain("cidrBlock");
        expect(problems[1]).toContain("azCount");
        expect(problems[2]).toContain("natGateways");
        expect(registered).toEqual([]);
    });
});
