/**
 * The shop's cache, cache-aside in two levels: an in-process LRU (level 1) in front of Redis
 * (level 2, from stage 3 on, shared by every instance). With the lessons of caches under load:
 *   - stampede: one load per key in a process (single flight), and across instances a short
 *     Redis lock, so that a hot key's expiry sends one query to the database, not hundreds;
 *   - penetration: a key the database does not have is cached briefly as absent, so that
 *     lookups of missing products do not all reach the database;
 *   - avalanche: TTLs are jittered, so that keys cached together do not expire together;
 *   - invalidation: a write deletes the key in Redis and publishes it, and every instance
 *     drops its level-1 copy (pub/sub is at most once, so level 1 keeps short TTLs as well).
 * Redis is an accelerator, never a dependency: when it fails, reads go to the database.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { MemoryCache } from "./memory-cache";

export interface CacheCounters {
    l1Hits: number;
    l1Misses: number;
    l2Hits: number;
    l2Misses: number;
    /** Loads from the source (the database). */
    loads: number;
    /** Redis calls that failed and were answered from the source instead. */
    redisErrors: number;
}

export interface ShopCacheOptions {
    /** Level 2; absent: level 1 only (the embedded default). */
    redis?: Redis;
    /** A second connection for invalidation messages (a subscribed connection can do nothing else). */
    subscriber?: Redis;
    /** Longest life of a level-1 copy when Redis is there. @default 2000 */
    l1TtlMs?: number;
    /** How long a missing key is remembered as absent. @default 10000 */
    absentTtlMs?: number;
    /** TTLs vary by this fraction either way. @default 0.1 */
    jitter?: number;
    /** How long the cross-instance load lock is held at most. @default 2000 */
    lockMs?: number;
    /** Level-1 capacity, in entries. @default 10000 */
    capacity?: number;
    /** Every look-up goes to the source: for benchmarks that measure what the cache is worth. @default false */
    disabled?: boolean;
    /**
     * Whether look-ups may use level 2 now (the cacheLevel2 feature flag): off, they go from level 1
     * to the source. Writes still invalidate Redis, so that it holds nothing stale when switched on again.
     * @default always
     */
    level2Enabled?: () => boolean;
    onRedisError?: (err: Error) => void;
}

const absent = Symbol("absent");
const invalidationChannel = "shop:cache:invalidate";

export class ShopCache {
    readonly counters: CacheCounters = { l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0, loads: 0, redisErrors: 0 };
    private readonly l1: MemoryCache;
    private readonly loading = new Map<string, Promise<unknown>>();
    private readonly options: Required<Omit<ShopCacheOptions, "redis" | "subscriber" | "onRedisError" | "disabled" | "level2Enabled">> & ShopCacheOptions;

    constructor(options: ShopCacheOptions = {}) {
        this.options = { l1TtlMs: 2000, absentTtlMs: 10_000, jitter: 0.1, lockMs: 2000, capacity: 10_000, ...options };
        this.l1 = new MemoryCache(this.options.capacity);
        if (options.subscriber) {
            options.subscriber.on("message", (channel: string, message: string) => {
                if (channel !== invalidationChannel) return;
                for (const key of JSON.parse(message) as string[]) this.l1.delete(key);
            });
            // Commands wait for no connection (no offline queue): subscribe once connected, and again after each reconnect.
            const subscribe = () => void options.subscriber!.subscribe(invalidationChannel).catch((err: Error) => this.redisFailed(err));
            if (options.subscriber.status === "ready") subscribe();
            options.subscriber.on("ready", subscribe);
        }
    }

    get levels(): 1 | 2 {
        return this.options.redis ? 2 : 1;
    }

    /**
     * The cached value of `key`, or `load()`'s, cached for about `ttlMs`; `undefined` for what the source does not have.
     * `level2TtlMs`: how long Redis keeps it, longer for a key that every write invalidates (level 1 stays bounded by `l1TtlMs`).
     */
    async getOrLoad<T>(key: string, ttlMs: number, load: () => Promise<T | undefined>, level2TtlMs = ttlMs): Promise<T | undefined> {
        if (this.options.disabled) return load();
        const cached = this.l1.get<T | typeof absent>(key);
        if (cached !== undefined) {
            this.counters.l1Hits++;
            return cached === absent ? undefined : cached;
        }
        this.counters.l1Misses++;
        const pending = this.loading.get(key) as Promise<T | undefined> | undefined;
        if (pending) return pending;
        const loading = this.fromLevel2OrSource(key, ttlMs, level2TtlMs, load).finally(() => this.loading.delete(key));
        this.loading.set(key, loading);
        return loading;
    }

    /** Drops `keys` everywhere: here, in Redis, and in every other instance's level 1. */
    async invalidate(keys: string[]): Promise<void> {
        for (const key of keys) this.l1.delete(key);
        const redis = this.options.redis;
        if (!redis || keys.length === 0) return;
        try {
            await redis.del(...keys);
            await redis.publish(invalidationChannel, JSON.stringify(keys));
        } catch (err) {
            this.redisFailed(err as Error);
        }
    }

    private async fromLevel2OrSource<T>(key: string, ttlMs: number, level2TtlMs: number, load: () => Promise<T | undefined>): Promise<T | undefined> {
        const redis = this.options.level2Enabled?.() === false ? undefined : this.options.redis;
        if (!redis) return this.keepInLevel1(key, ttlMs, await this.loadFromSource(load));
        // Only Redis's own failures are counted and answered from the source: a failure of the
        // source (the database) is the caller's, as it would be without a cache.
        const lock = `lock:${key}`;
        const token = randomBytes(8).toString("hex");
        let locked: boolean;
        try {
            const found = await this.readLevel2<T>(redis, key);
            if (found !== undefined) return this.keepInLevel1(key, ttlMs, found);
            locked = (await redis.set(lock, token, "PX", this.options.lockMs, "NX")) === "OK";
            if (!locked) {
                // Another instance is loading this key: wait for its result rather than ask the database too.
                for (const deadline = Date.now() + this.options.lockMs; Date.now() < deadline;) {
                    await new Promise((resolve) => setTimeout(resolve, 25));
                    const loaded = await this.readLevel2<T>(redis, key);
                    if (loaded !== undefined) return this.keepInLevel1(key, ttlMs, loaded);
                }
            }
        } catch (err) {
            this.redisFailed(err as Error);
            return this.keepInLevel1(key, ttlMs, await this.loadFromSource(load));
        }
        let value: T | typeof absent;
        try {
            value = await this.loadFromSource(load);
        } catch (err) {
            if (locked) await this.release(redis, lock, token);
            throw err;
        }
        try {
            const life = value === absent ? this.options.absentTtlMs : this.jittered(level2TtlMs);
            await redis.set(key, JSON.stringify(value === absent ? { absent: true } : { value }), "PX", life);
            if (locked) await this.release(redis, lock, token);
        } catch (err) {
            this.redisFailed(err as Error);
        }
        return this.keepInLevel1(key, ttlMs, value);
    }

    /** Releases only our own lock: it may have expired and been taken by another instance meanwhile. */
    private async release(redis: Redis, lock: string, token: string): Promise<void> {
        await redis
            .eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, lock, token)
            .catch((err: Error) => this.redisFailed(err));
    }

    private async readLevel2<T>(redis: Redis, key: string): Promise<T | typeof absent | undefined> {
        const text = await redis.get(key);
        if (text === null) {
            this.counters.l2Misses++;
            return undefined;
        }
        this.counters.l2Hits++;
        const parsed = JSON.parse(text) as { value?: T; absent?: true };
        return parsed.absent ? absent : (parsed.value as T);
    }

    private async loadFromSource<T>(load: () => Promise<T | undefined>): Promise<T | typeof absent> {
        this.counters.loads++;
        const value = await load();
        return value === undefined ? absent : value;
    }

    private keepInLevel1<T>(key: string, ttlMs: number, value: T | typeof absent): T | undefined {
        const life = value === absent ? this.options.absentTtlMs : this.jittered(ttlMs);
        this.l1.set(key, value, this.options.redis ? Math.min(life, this.options.l1TtlMs) : life);
        return value === absent ? undefined : value;
    }

    private jittered(ttlMs: number): number {
        return Math.max(1, Math.round(ttlMs * (1 + (Math.random() * 2 - 1) * this.options.jitter)));
    }

    private redisFailed(err: Error): void {
        this.counters.redisErrors++;
        this.options.onRedisError?.(err);
    }
}
