import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cidrsOverlap, parseCidr } from "./cidr";
import { Problems } from "../validation";

export interface PeeredVpc {
    vpcId: pulumi.Input<string>;
    /** The VPC's range. */
    cidr: string;
    /** Route tables that get a route to the other VPC (the private and isolated tiers'). */
    routeTableIds: pulumi.Input<string>[];
}

export interface VpcPeeringArgs {
    /** The VPC that asks, in the region of the component's provider. */
    requester: PeeredVpc;
    /** The VPC that accepts, in another region, through its own provider. */
    accepter: PeeredVpc & { region: string; provider: aws.Provider };
    /** Tags for every child, on top of the providers' default tags. @default {} */
    tags?: Record<string, string>;
}

/**
 * Two VPCs in different regions joined by an inter-region peering connection, accepted in the
 * accepter's region, with routes both ways in the tables named. Traffic stays on AWS's
 * backbone, encrypted between regions. Security groups cannot be referenced across regions:
 * services admit the other VPC by its range.
 */
export class VpcPeering extends pulumi.ComponentResource {
    readonly connectionId: pulumi.Output<string>;

    constructor(name: string, args: VpcPeeringArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        super("shop:network:VpcPeering", name, {}, opts);
        const tags = args.tags ?? {};
        const parent = { parent: this };
        const inAccepter = { parent: this, provider: args.accepter.provider };

        const connection = new aws.ec2.VpcPeeringConnection(
            name,
            { vpcId: args.requester.vpcId, peerVpcId: args.accepter.vpcId, peerRegion: args.accepter.region, tags: { ...tags, Name: name } },
            parent,
        );
        const accepted = new aws.ec2.VpcPeeringConnectionAccepter(
            name,
            { vpcPeeringConnectionId: connection.id, autoAccept: true, tags: { ...tags, Name: name } },
            inAccepter,
        );
        const routes = (side: PeeredVpc, to: string, options: pulumi.CustomResourceOptions, label: string) =>
            side.routeTableIds.forEach((routeTableId, i) => {
                new aws.ec2.Route(`${name}-${label}-${i + 1}`, { routeTableId, destinationCidrBlock: to, vpcPeeringConnectionId: accepted.id }, options);
            });
        routes(args.requester, args.accepter.cidr, parent, "requester");
        routes(args.accepter, args.requester.cidr, inAccepter, "accepter");

        this.connectionId = connection.id;
        this.registerOutputs({ connectionId: this.connectionId });
    }
}

function validate(name: string, args: VpcPeeringArgs): void {
    const valid = (cidr: string) => {
        try {
            parseCidr(cidr);
            return true;
        } catch {
            return false;
        }
    };
    const bothValid = valid(args.requester.cidr) && valid(args.accepter.cidr);
    new Problems()
        .check(!valid(args.requester.cidr), `requester.cidr is not an IPv4 CIDR block (got ${JSON.stringify(args.requester.cidr)})`)
        .check(!valid(args.accepter.cidr), `accepter.cidr is not an IPv4 CIDR block (got ${JSON.stringify(args.accepter.cidr)})`)
        .check(
            bothValid && cidrsOverlap(args.requester.cidr, args.accepter.cidr),
            `the VPCs' ranges overlap (${args.requester.cidr} and ${args.accepter.cidr}): peered VPCs need distinct ranges`,
        )
        .check(!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(args.accepter.region), `accepter.region must be an AWS region (got ${JSON.stringify(args.accepter.region)})`)
        .check(
            args.requester.routeTableIds.length === 0 || args.accepter.routeTableIds.length === 0,
            "both sides need at least one route table, or no traffic crosses",
        )
        .throwIfAny("VpcPeering", name);
}
