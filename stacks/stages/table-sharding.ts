import { masterCredential, SharedCredential } from "../../components/data/aurora-cluster";
import { StackConfig } from "../config";
import { ServingCell } from "../region-cell";
import { ShopDatabase, shopDatabase } from "../shop-database";

/**
 * Stage 7 (seed 3.7): the largest tables spread out. Comments go to shard clusters
 * `shop-comments-<n>-<region>` (`commentShards` of them; a failover reader each in prod), the
 * shard being a stable hash of the product id modulo their count: the order of
 * `SHOP_COMMENT_SHARD_URLS` is the shard number, and the count is fixed once comments are
 * written (the shop does not move them). The shards share one master credential, made once
 * for them; the shop signs in to them as the comments' role (stacks/database-roles.ts). Payments are partitioned by month inside the orders database by the shop's own
 * migrations: nothing to deploy for them.
 */
export function tableSharding(config: StackConfig, home: ServingCell, others: ServingCell[]): { shards: ShopDatabase[]; credential: SharedCredential } {
    const credential = masterCredential(`shop-comments-${home.region}`, { username: "shop_admin" }, { provider: home.provider, protect: config.protectData });
    const shards = Array.from({ length: config.sizing.commentShards }, (_, n) =>
        shopDatabase(`shop-comments-${n}-${home.region}`, config, home, others, { readers: false, domains: ["comments"], masterPassword: credential }),
    );
    return { shards, credential };
}
