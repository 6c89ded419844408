/**
 * Where each business domain's data lives, opened once at start: one embedded PGlite for
 * everything, or node-postgres pools per database named in the environment. A process opens
 * only the domains it owns (ownership.ts); the others are stand-ins that refuse every query
 * with a clear error, so that no module reaches another domain's tables by accident.
 * Migrations and the seed run here, under the advisory lock, before the shop takes a request,
 * unless they are external (SHOP_MIGRATIONS=external: migrate.ts runs them, with the master
 * credential, and the process waits for the schema in its readiness).
 */
import { DatabaseTarget, ShopConfig } from "../config";
import { Database, pgliteDatabase, postgresDatabase } from "./database";
import { migrate, SchemaDomain, schemaProblem } from "./migrations";
import { domainsOf } from "./ownership";
import { ensurePaymentPartitions } from "./payment-partitions";
import { ReplicatedDatabase } from "./replicated-database";
import { seedCatalog, seedComments, seededProductCount } from "./seed";
import { shardOf } from "./shard";

export interface Stores {
    /** The domains this process owns: the others' databases refuse every query. */
    domains: SchemaDomain[];
    catalog: Database;
    orders: Database;
    users: Database;
    /** The comment shards (stage 7); one (the catalog's database) when none are configured. */
    commentShards: Database[];
    /** Every distinct database this process opened, for readiness checks and shutdown. */
    all: Database[];
    /** Why the owned domains' schemas are not ready yet (external migrations); empty when they are. */
    schemaProblems(): Promise<string[]>;
    close(): Promise<void>;
}

export type StoresConfig = Pick<ShopConfig, "databases" | "pgliteDir" | "commentShardUrls" | "commentShardPassword"> &
    Partial<Pick<ShopConfig, "databasePoolMax" | "modules" | "redisUrl" | "migrations" | "serviceUrls">>;

/** A domain this process does not own: every use is refused, naming the domain. */
export function notOwned(domain: SchemaDomain): Database {
    const refuse = async (): Promise<never> => {
        throw new Error(`the ${domain} domain's data is not this process's (SHOP_MODULES): reach it through its service`);
    };
    return {
        kind: "postgres",
        label: `not-owned:${domain}`,
        query: refuse,
        read: refuse,
        transaction: refuse,
        exec: refuse,
        withAdvisoryLock: refuse,
        close: async () => undefined,
    };
}

export async function openStores(config: StoresConfig, options: { domains?: SchemaDomain[] } = {}): Promise<Stores> {
    const domains =
        options.domains ??
        (config.modules ? domainsOf(config.modules, { redis: config.redisUrl !== undefined, serviceUrls: config.serviceUrls }) : undefined) ??
        [];
    const owns = (d: SchemaDomain) => domains.includes(d);
    let stores: Pick<Stores, "catalog" | "orders" | "users" | "commentShards">;
    if (!config.databases) {
        const embedded = domains.length > 0 ? await pgliteDatabase(config.pgliteDir) : undefined;
        const of = (d: SchemaDomain) => (owns(d) ? embedded! : notOwned(d));
        stores = { catalog: of("catalog"), orders: of("orders"), users: of("users"), commentShards: [of("comments")] };
    } else {
        // Domains that share a URL (and credential) share one pool.
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
        // The configuration makes sure every owned domain has its database (readConfig).
        const target = (t: DatabaseTarget | undefined, domain: string) => {
            if (!t) throw new Error(`no database for the ${domain} domain, which this process owns (SHOP_DATABASE_URL_${domain.toUpperCase()})`);
            return t;
        };
        const shardUrls = config.commentShardUrls;
        stores = {
            catalog: owns("catalog") ? open(target(catalog, "catalog")) : notOwned("catalog"),
            orders: owns("orders") ? open(target(orders, "orders")) : notOwned("orders"),
            users: owns("users") ? open(target(users, "users")) : notOwned("users"),
            commentShards: !owns("comments")
                ? [notOwned("comments")]
                : shardUrls.length > 0
                  ? shardUrls.map((url) => open({ url, readerUrls: [], password: config.commentShardPassword }))
                  : // Without shards (before stage 7), comments live in the catalog's database, with its credential.
                    [open(target(catalog, "catalog"))],
        };
    }
    const owned: [SchemaDomain, Database][] = [
        ...(["catalog", "orders", "users"] as const).filter(owns).map((d): [SchemaDomain, Database] => [d, stores[d]]),
        ...(owns("comments") ? stores.commentShards.map((shard): [SchemaDomain, Database] => ["comments", shard]) : []),
    ];
    const all = [...new Set(owned.map(([, db]) => db))];
    const close = async () => void (await Promise.all(all.map((db) => db.close().catch(() => undefined))));
    try {
        if (config.migrations !== "external") await migrateAndSeed(stores, domains);
    } catch (err) {
        await close();
        throw err;
    }
    return {
        ...stores,
        domains,
        all,
        schemaProblems: async () => (await Promise.all(owned.map(([domain, db]) => schemaProblem(db, domain)))).filter((p): p is string => p !== undefined),
        close,
    };
}

/** Migrates and seeds the owned domains (the catalog's products first: the comments' seed refers to them by id). */
export async function migrateAndSeed(stores: Pick<Stores, "catalog" | "orders" | "users" | "commentShards">, domains: SchemaDomain[]): Promise<void> {
    if (domains.includes("catalog")) await migrate(stores.catalog, "catalog");
    if (domains.includes("users")) await migrate(stores.users, "users");
    if (domains.includes("orders")) {
        await migrate(stores.orders, "orders");
        await ensurePaymentPartitions(stores.orders);
    }
    if (domains.includes("catalog")) await stores.catalog.withAdvisoryLock(7_300_418, async () => void (await seedCatalog(stores.catalog)));
    if (domains.includes("comments")) {
        const shards = stores.commentShards;
        for (const shard of shards) await migrate(shard, "comments");
        // Under the catalog's seed lock in the first shard: one process at a time seeds the comments.
        await shards[0].withAdvisoryLock(7_300_418, async () => {
            await seedComments(seededProductCount, (productId) => shards[shardOf(productId, shards.length)], shards);
        });
    }
}
