/**
 * The lab's data tier: a PostgreSQL server per domain cluster (the database owned by a role
 * with a password of its own, as each Aurora cluster has its own credential), its streaming
 * replicas (home readers, and from stage 9 a copy in every other region), the comment shards,
 * Redis and OpenSearch; and the shop's environment that points at them (docs/contracts.md).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { OpenSearchServer, startOpenSearch } from "../servers/opensearch";
import { PostgresServer, ReplicaServer, startPostgres, startReplica } from "../servers/postgres";
import { RedisServer, startRedis } from "../servers/redis";
import { Domain, LabLayout } from "./layout";
import { allStarted, Started } from "./started";

export interface Cluster {
    /** `orders`, `catalog`, `users`, or `comments-<n>` for a shard. */
    name: string;
    server: PostgresServer;
    database: string;
    owner: { user: string; password: string };
    /** The owner's URL on the writer (no password in it, as the stacks hand it). */
    url: string;
    /** The home region's replicas. */
    replicas: ReplicaServer[];
    /** A replica in each other region, by region. */
    regionReplicas: Record<string, ReplicaServer>;
}

export interface DataTier {
    clusters: Partial<Record<Domain, Cluster>>;
    shards: Cluster[];
    redis?: RedisServer;
    search?: OpenSearchServer;
    mediaDir: string;
}

const databaseOf: Record<Domain, string> = { orders: "shop", catalog: "catalog", users: "users" };

/** Starts what `layout` needs and `keep` does not already hold (a transition keeps the clusters the next stage keeps). */
export async function startDataTier(layout: LabLayout, started: Started, dataDir: string, keep: Partial<DataTier> = {}): Promise<DataTier> {
    const [home, ...others] = layout.regions;
    const cluster = async (name: string, database: string, role: string, password = randomBytes(12).toString("hex")): Promise<Cluster> => {
        const server = await startPostgres();
        started.add({
            name: `postgres ${name}`,
            role,
            region: home,
            port: server.port,
            url: `postgres://127.0.0.1:${server.port}/${database}`,
            stop: () => server.stop(),
        });
        const owner = { user: `${name.replace(/-.*/, "")}_owner`, password };
        return { name, server, database, owner, url: await server.createDatabase(database, owner), replicas: [], regionReplicas: {} };
    };
    const clusters: DataTier["clusters"] = { ...keep.clusters };
    const shardPassword = randomBytes(12).toString("hex");
    const missing = layout.domains.filter((domain) => !clusters[domain]);
    const starts = {
        made: allStarted(missing.map((domain) => cluster(domain, databaseOf[domain], `writer: ${domain} database`))),
        shards:
            keep.shards && keep.shards.length === layout.commentShards
                ? Promise.resolve(keep.shards)
                : allStarted(Array.from({ length: layout.commentShards }, (_, i) => cluster(`comments-${i}`, "comments", `comment shard ${i}`, shardPassword))),
        redis: layout.redis
            ? keep.redis
                ? Promise.resolve(keep.redis)
                : startPart(started, "redis", "cache: sessions, carts, hot reads", "cache", home, startRedis)
            : undefined,
        search: layout.search
            ? keep.search
                ? Promise.resolve(keep.search)
                : startPart(started, "opensearch", "search: the product index", "search", home, startOpenSearch)
            : undefined,
    };
    await allStarted<unknown>(Object.values(starts).filter((start) => start !== undefined));
    const [made, shards, redis, search] = [await starts.made, await starts.shards, await starts.redis, await starts.search];
    for (const [i, domain] of missing.entries()) clusters[domain] = made[i];
    // Replicas after the writers exist; basebackups of different servers in parallel.
    await allStarted(
        Object.values(clusters).map(async (c) => {
            while (c.replicas.length < layout.replicas) c.replicas.push(await replica(c, `replica ${c.replicas.length + 1}`, home));
            for (const region of others) c.regionReplicas[region] ??= await replica(c, `copy in ${region}`, region);
        }),
    );
    const mediaDir = keep.mediaDir ?? path.join(dataDir, "media");
    fs.mkdirSync(mediaDir, { recursive: true });
    return { clusters, shards, redis, search, mediaDir };

    async function replica(c: Cluster, label: string, region: string): Promise<ReplicaServer> {
        const server = await startReplica(c.server);
        started.add({
            name: `postgres ${c.name} ${label}`,
            role: `reader: streaming replica of ${c.name}`,
            killAs: "replica",
            region,
            port: server.port,
            url: `postgres://127.0.0.1:${server.port}/${c.database}`,
            stop: () => server.stop(),
            kill: () => server.kill(),
        });
        return server;
    }
}

async function startPart<T extends { port: number; url: string; stop(): Promise<void>; kill(): Promise<void> }>(
    started: Started,
    name: string,
    role: string,
    killAs: string,
    region: string,
    start: () => Promise<T>,
): Promise<T> {
    // Another program may take the free port between its choice and the server's bind (a shared machine): a second and third try, on new ports.
    let server: T | undefined;
    for (let attempt = 1; !server; attempt++) server = await start().catch((err: Error) => (attempt < 3 ? undefined : Promise.reject(err)));
    started.add({ name, role, killAs, region, port: server.port, url: server.url, stop: () => server.stop(), kill: () => server.kill() });
    return server;
}

/** The shop's data environment in `region` (docs/contracts.md): writers in the home region, readers in the region itself. */
export function dataEnvironment(tier: DataTier, layout: LabLayout, region: string): Record<string, string> {
    const home = region === layout.regions[0];
    const readers = (c: Cluster) =>
        (home ? c.replicas : [c.regionReplicas[region]].filter(Boolean)).map((r) => `postgres://${c.owner.user}@127.0.0.1:${r.port}/${c.database}`).join(",");
    const env: Record<string, string> = { SHOP_MEDIA_DIR: tier.mediaDir };
    for (const [domain, c] of Object.entries(tier.clusters)) {
        const suffix = domain === "orders" ? "" : `_${domain.toUpperCase()}`;
        env[`SHOP_DATABASE_URL${suffix}`] = c.url;
        env[`SHOP_DATABASE_PASSWORD${suffix}`] = c.owner.password;
        if (readers(c)) env[`SHOP_DATABASE_READER_URLS${suffix}`] = readers(c);
    }
    if (tier.shards.length > 0) {
        env.SHOP_COMMENT_SHARD_URLS = tier.shards.map((s) => s.url).join(",");
        // The shards share one credential, as the stage's shard clusters do.
        env.SHOP_COMMENT_SHARD_PASSWORD = tier.shards[0].owner.password;
    }
    if (tier.redis) env.SHOP_REDIS_URL = tier.redis.url;
    if (tier.search) env.SHOP_SEARCH_URL = tier.search.url;
    return env;
}
