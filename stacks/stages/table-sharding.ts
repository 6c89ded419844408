import * as pulumi from "@pulumi/pulumi";
import { masterCredential } from "../../components/data/aurora-cluster";
import { StackConfig } from "../config";
import { ServingCell } from "../region-cell";
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
    home: ServingCell,
    others: ServingCell[],
): { shards: ShopDatabase[]; wiringIn(region: string): ServerWiring } {
    const credential = masterCredential(`shop-comments-${home.region}`, { username: "shop_admin" }, { provider: home.provider, protect: config.protectData });
    const shards = Array.from({ length: config.sizing.commentShards }, (_, n) =>
        shopDatabase(`shop-comments-${n}-${home.region}`, config, home, others, { readers: false, masterPassword: credential }),
    );
    // The shop reads and writes comments on the shards' writers, from every region.
    const wiring: ServerWiring = {
        environment: { SHOP_COMMENT_SHARD_URLS: pulumi.all(shards.map((s) => s.writerUrl)).apply((urls) => urls.join(",")) },
        secrets: {
            SHOP_COMMENT_SHARD_PASSWORD: { secretArn: credential.secretArn, jsonKey: "password", value: credential.password, version: credential.version },
        },
        egressPorts: [5432],
        rdsCertificates: true,
    };
    return { shards, wiringIn: () => wiring };
}
