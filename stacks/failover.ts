import * as pulumi from "@pulumi/pulumi";
import { AuroraCluster } from "../components/data/aurora-cluster";
import { RedisCache } from "../components/data/redis-cache";

/**
 * What a regional failover acts on (stage 9 on, exported as the stack's `failover` output for
 * `npm run failover`): every Aurora global database with its member cluster in each region, and
 * the ElastiCache global datastore with its replication group in each region.
 */
export function failoverTargets(home: string, clusters: AuroraCluster[], cache: RedisCache | undefined) {
    const globals = clusters.filter((c) => c.globalClusterId !== undefined);
    if (globals.length === 0) return {};
    return {
        failover: {
            home,
            globalClusters: globals.map((c) => ({
                id: c.globalClusterId!,
                members: pulumi.output({ [home]: c.clusterArn, ...c.secondaryClusterArns }),
            })),
            ...(cache?.globalDatastoreId && {
                globalDatastore: { id: cache.globalDatastoreId, members: pulumi.output({ [home]: cache.replicationGroupId, ...cache.secondaryGroupIds }) },
            }),
        },
    };
}
