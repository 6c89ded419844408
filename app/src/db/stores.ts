/**
 * Where each business domain's data lives, opened once at start: one embedded PGlite for
 * everything, or node-postgres pools per database named in the environment. Migrations and
 * the seed run here, under the advisory lock, before the shop takes a request.
 */
import { DatabaseTarget, ShopConfig } from "../config";
import { Database, pgliteDatabase, postgresDatabase } from "./database";
import { migrate } from "./migrations";
import { ensurePaymentPartitions } from "./payment-partitions";
import { ReplicatedDatabase } from "./replicated-database";
import { seedCatalog, seedComments } from "./seed";
import { shardOf } from "./shard";

export interface Stores {
    catalog: Database;
    orders: Database;
    users: Database;
    /** The comment shards (stage 7); one (the catalog's database) when none are configured. */
    commentShards: Database[];
    /** Every distinct database, for readiness checks and shutdown. */
    all: Database[];
    close(): Promise<void>;
}

export async function openStores(
    config: Pick<ShopConfig, "databases" | "pgliteDir" | "commentShardUrls" | "commentShardPassword"> & Partial<Pick<ShopConfig, "databasePoolMax">>,
): Promise<Stores> {
    let stores: Omit<Stores, "close" | "all">;
    if (!config.databases) {
        const embedded = await pgliteDatabase(config.pgliteDir);
        stores = { catalog: embedded, orders: embedded, users: embedded, commentShards: [embedded] };
    } else {
        // Domains that share a URL share one pool.
        const pools = new Map<string, Database>();
        const open = (target: DatabaseTarget) => {
            const key = JSON.stringify(target);
            if (!pools.has(key)) {
                const poolSize = config.databasePoolMax;
                const writer = postgresDatabase({ url: target.url, password: target.password, poolSize });
                const readers = target.readerUrls.map((url) => postgresDatabase({ url, password: target.password, poolSize }));
                pools.set(key, readers.length > 0 ? new ReplicatedDatabase(writer, readers) : writer);
            }
            return pools.get(key)!;
        };
        const { catalog, orders, users } = config.databases;
        const shardUrls = config.commentShardUrls;
        stores = {
            catalog: open(catalog),
            orders: open(orders),
            users: open(users),
            commentShards:
                shardUrls.length > 0 ? shardUrls.map((url) => open({ url, readerUrls: [], password: config.commentShardPassword })) : [open(catalog)],
        };
    }
    const all = [...new Set([stores.catalog, stores.orders, stores.users, ...stores.commentShards])];
    try {
        await migrate(stores.catalog, "catalog");
        await migrate(stores.users, "users");
        await migrate(stores.orders, "orders");
        for (const shard of stores.commentShards) await migrate(shard, "comments");
        await ensurePaymentPartitions(stores.orders);
        await stores.catalog.withAdvisoryLock(7_300_418, async () => {
            const products = await seedCatalog(stores.catalog);
            const count = Number((await stores.catalog.query<{ n: string }>("SELECT count(*) AS n FROM products")).rows[0].n);
            const shards = stores.commentShards;
            if (products > 0 || count > 0) await seedComments(count, (productId) => shards[shardOf(productId, shards.length)], shards);
        });
    } catch (err) {
        await Promise.all(all.map((db) => db.close().catch(() => undefined)));
        throw err;
    }
    return { ...stores, all, close: async () => void (await Promise.all(all.map((db) => db.close()))) };
}
