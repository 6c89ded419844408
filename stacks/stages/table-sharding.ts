import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { masterCredential } from "../../components/data/aurora-cluster";
import { Vpc } from "../../components/network/vpc";
import { StackConfig } from "../config";
import { ServerWiring } from "../server-wiring";
import { ShopDatabase, shopDatabase } from "../shop-database";

/**
 * Stage 7 (seed 3.7): the largest tables spread out. Comments go to shard clusters
 * `shop-comments-<n>-<region>` (`commentShards` of them; a failover reader each in prod), the
 * shard being a stable hash of the product id modulo their count: the order of
 * `SHOP_COMMENT_SHARD_URLS` is the shard number, and the count is fixed once comments are
 * written (the shop does not move them). The shards share one credential, made once for
 * them. Payments are partitioned by month inside the orders database by the shop's own
 * migrations: nothing to deploy for them.
 */
export function tableSharding(
    config: StackConfig,
    region: string,
    network: Vpc,
    appGroupId: pulumi.Input<string>,
    provider: aws.Provider,
): { shards: ShopDatabase[]; wiring: ServerWiring } {
    const credential = masterCredential(`shop-comments-${region}`, { username: "shop_admin" }, { provider, protect: config.protectData });
    const shards = Array.from({ length: config.sizing.commentShards }, (_, n) =>
        shopDatabase(`shop-comments-${n}-${region}`, config, network, appGroupId, provider, { readers: false, masterPassword: credential }),
    );
    return {
        shards,
        wiring: {
            environment: { SHOP_COMMENT_SHARD_URLS: pulumi.all(shards.map((s) => s.writerUrl)).apply((urls) => urls.join(",")) },
            secrets: { SHOP_COMMENT_SHARD_PASSWORD: { secretArn: credential.secretArn, jsonKey: "password" } },
            egressPorts: [5432],
            rdsCertificates: true,
        },
    };
}
