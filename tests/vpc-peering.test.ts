import * as aws from "@pulumi/aws";
import { VpcPeering } from "../components/network/vpc-peering";
import { InvalidArgsError } from "../components/validation";
import { refusal, run } from "./harness";

const ROUTE = "aws:ec2/route:Route";

describe("VpcPeering", () => {
    it("peers two regions' VPCs, accepts in the accepter's region, and routes each side's tables to the other's range", async () => {
        const r = await run(() => {
            const eu = new aws.Provider("eu", { region: "eu-west-1" });
            new VpcPeering("home-eu", {
                requester: { vpcId: "vpc-us", cidr: "10.0.0.0/16", routeTableIds: ["rt-us-private-1", "rt-us-isolated"] },
                accepter: { vpcId: "vpc-eu", cidr: "10.1.0.0/16", routeTableIds: ["rt-eu-private-1"], region: "eu-west-1", provider: eu },
            });
        });
        expect(r.one("aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "home-eu")).toMatchObject({
            region: "us-east-1",
            inputs: expect.objectContaining({ vpcId: "vpc-us", peerVpcId: "vpc-eu", peerRegion: "eu-west-1" }),
        });
        expect(r.one("aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter", "home-eu")).toMatchObject({
            region: "eu-west-1",
            inputs: expect.objectContaining({ autoAccept: true }),
        });
        const routes = r
            .ofType(ROUTE)
            .map((route) => [
                route.region,
                (route.inputs as { routeTableId: string }).routeTableId,
                (route.inputs as { destinationCidrBlock: string }).destinationCidrBlock,
            ]);
        expect(routes).toEqual([
            ["us-east-1", "rt-us-private-1", "10.1.0.0/16"],
            ["us-east-1", "rt-us-isolated", "10.1.0.0/16"],
            ["eu-west-1", "rt-eu-private-1", "10.0.0.0/16"],
        ]);
    });

    it("refuses overlapping ranges and a side without routes, before registering anything", async () => {
        const { error, registered } = await refusal(
            () =>
                new VpcPeering("bad", {
                    requester: { vpcId: "a", cidr: "10.0.0.0/16", routeTableIds: [] },
                    accepter: { vpcId: "b", cidr: "10.0.128.0/20", routeTableIds: ["rt"], region: "mars-1", provider: undefined as never },
                }),
        );
        expect(error).toBeInstanceOf(InvalidArgsError);
        expect((error as InvalidArgsError).problems).toEqual([
            "the VPCs' ranges overlap (10.0.0.0/16 and 10.0.128.0/20): peered VPCs need distinct ranges",
            'accepter.region must be an AWS region (got "mars-1")',
            "both sides need at least one route table, or no traffic crosses",
        ]);
        expect(registered).toEqual([]);
    });
});
