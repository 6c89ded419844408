import { VpcPeering } from "../../components/network/vpc-peering";
import { RegionCell } from "../region-cell";

/**
 * Stage 9 (seed 3.9): a cell per configured region, each with its own Nginx and application
 * fleets behind its own load balancer, and Route 53 spreading the name over them (see
 * `publicName`). The data stays one: the home region's databases and cache are the primaries
 * of a global database and datastore with read-only copies in every other region, which the
 * other regions' shops read locally. Their writes cross to the home region's writers over an
 * inter-region peering, which this step makes between the home VPC and each other one.
 */
export function peerWithHome(home: RegionCell, others: RegionCell[]): VpcPeering[] {
    return others.map(
        (cell) =>
            new VpcPeering(
                `shop-${home.region}-${cell.region}`,
                {
                    // The home side's servers and its data tier answer the other region; the other side's servers call.
                    requester: {
                        vpcId: home.network.vpcId,
                        cidr: home.network.cidrBlock,
                        routeTableIds: [...home.network.privateRouteTableIds, home.network.isolatedRouteTableId],
                    },
                    accepter: {
                        vpcId: cell.network.vpcId,
                        cidr: cell.network.cidrBlock,
                        routeTableIds: cell.network.privateRouteTableIds,
                        region: cell.region,
                        provider: cell.provider,
                    },
                },
                { provider: home.provider },
            ),
    );
}
