import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RedisCache } from "../../components/data/redis-cache";
import { Vpc } from "../../components/network/vpc";
import { StackConfig } from "../config";
import { ServerWiring } from "../server-wiring";

/**
 * Stage 3 (seed 3.3): hot reads leave the database for memory. ElastiCache (Valkey) with
 * TLS and an AUTH token behind the shop's in-process cache: the shop's two-level cache,
 * whose protections (stampede, penetration, avalanche, invalidation) the shop's tests prove
 * against real Redis. The cache admits only the app group.
 */
export function sharedCache(
    config: StackConfig,
    region: string,
    network: Vpc,
    appGroupId: pulumi.Input<string>,
    provider: aws.Provider,
): { cache: RedisCache; wiring: ServerWiring } {
    const cache = new RedisCache(
        `shop-cache-${region}`,
        {
            vpcId: network.vpcId,
            subnetIds: network.isolatedSubnetIds,
            allowedSecurityGroups: { app: appGroupId },
            nodeType: config.sizing.cacheNodeType,
            replicas: config.sizing.cacheReplicas,
            production: config.protectData,
            logRetentionDays: config.sizing.logRetentionDays,
        },
        { provider },
    );
    return {
        cache,
        wiring: {
            environment: { SHOP_REDIS_URL: cache.url },
            secrets: cache.authSecretArn ? { SHOP_REDIS_AUTH_TOKEN: { secretArn: cache.authSecretArn } } : {},
            egressPorts: [cache.port],
        },
    };
}
