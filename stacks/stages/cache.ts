import { RedisCache } from "../../components/data/redis-cache";
import { StackConfig } from "../config";
import { ServingCell } from "../region-cell";
import { ServerWiring } from "../server-wiring";

/**
 * Stage 3 (seed 3.3): hot reads leave the database for memory. ElastiCache (Valkey) with
 * TLS and an AUTH token behind the shop's in-process cache: the shop's two-level cache,
 * whose protections (stampede, penetration, avalanche, invalidation) the shop's tests prove
 * against real Redis. The cache admits only the shop's apps, every one of them (Redis is
 * shared platform state: sessions, carts, rate limits).
 *
 * With other regions (stage 9) it is the primary of a global datastore, a read-only replica
 * group in each other region that can be promoted if the home region is lost. Sessions,
 * carts, locks and invalidations must be seen by every region at once, so every region's
 * shop uses the primary, across the peering.
 */
export function sharedCache(config: StackConfig, home: ServingCell, others: ServingCell[]): { cache: RedisCache; wiringIn(region: string): ServerWiring } {
    const cache = new RedisCache(
        `shop-cache-${home.region}`,
        {
            vpcId: home.network.vpcId,
            subnetIds: home.network.isolatedSubnetIds,
            allowedSecurityGroups: home.appGroups,
            allowedCidrs: Object.fromEntries(others.map((cell) => [cell.region, cell.network.cidrBlock])),
            nodeType: config.sizing.cacheNodeType,
            replicas: config.sizing.cacheReplicas,
            production: config.protectData,
            logRetentionDays: config.sizing.logRetentionDays,
            alarms: { ...home.alarms, topicArnsByKey: Object.fromEntries(others.map((cell) => [cell.region, cell.alarms.topicArn])) },
            secondaries:
                others.length > 0
                    ? Object.fromEntries(
                          others.map((cell) => [
                              cell.region,
                              {
                                  provider: cell.provider,
                                  vpcId: cell.network.vpcId,
                                  subnetIds: cell.network.isolatedSubnetIds,
                                  allowedSecurityGroups: cell.appGroups,
                              },
                          ]),
                      )
                    : undefined,
        },
        { provider: home.provider },
    );
    const wiring: ServerWiring = {
        domain: "shared",
        environment: { SHOP_REDIS_URL: cache.url },
        secrets: cache.authSecretArn ? { SHOP_REDIS_AUTH_TOKEN: { secretArn: cache.authSecretArn, value: cache.authToken } } : {},
        egressPorts: [cache.port],
    };
    return { cache, wiringIn: () => wiring };
}
