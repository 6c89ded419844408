/**
 * Where the shop keeps what more than one request needs: the cache, sessions, carts and
 * failed sign-in counters. Without Redis: an in-process cache and counters, sessions and carts in
 * PostgreSQL. With `SHOP_REDIS_URL` (stage 3 on): all of them in Redis, so that instances
 * are interchangeable behind the load balancer. Redis connections close with the app.
 */
import { FastifyInstance } from "fastify";
import { connectRedis } from "./cache/redis";
import { ShopCache } from "./cache/shop-cache";
import { ShopConfig } from "./config";
import { Stores } from "./db/stores";
import { AttemptCounter, MemoryAttemptCounter, RedisAttemptCounter } from "./http/rate-limit";
import { Carts, PostgresCarts } from "./modules/cart/cart";
import { RedisCarts } from "./modules/cart/redis-carts";
import { PostgresSessionStore, RedisSessionStore, SessionStore } from "./modules/users/session-store";

export interface SharedState {
    /** Resolves once Redis is connected, or after `waitMs` without it (the shop then starts degraded). */
    ready(waitMs: number): Promise<void>;
    cache: ShopCache;
    sessions: SessionStore;
    carts: Carts;
    signInAttempts: AttemptCounter;
}

/** `level2Enabled`: the cacheLevel2 feature flag, read at each look-up. */
export function sharedState(app: FastifyInstance, config: ShopConfig, stores: Stores, level2Enabled?: () => boolean): SharedState {
    if (!config.redisUrl) {
        return {
            ready: async () => undefined,
            cache: new ShopCache({ disabled: config.cache === "off" }),
            sessions: new PostgresSessionStore(stores.users),
            carts: new PostgresCarts(stores.orders),
            signInAttempts: new MemoryAttemptCounter(),
        };
    }
    let lastWarning = 0;
    const warn = (err: Error) => {
        // One line per ten seconds at most: an outage must not flood the logs.
        if (Date.now() - lastWarning < 10_000) return;
        lastWarning = Date.now();
        app.log.warn({ err: err.message }, "Redis failed: the cache answers from the database, sessions and carts wait");
    };
    const redis = connectRedis(config.redisUrl, config.redisAuthToken, warn);
    const subscriber = connectRedis(config.redisUrl, config.redisAuthToken, warn);
    app.addHook("onClose", async () => {
        redis.disconnect();
        subscriber.disconnect();
    });
    return {
        async ready(waitMs: number) {
            // Requests before the connection is up would find no session: wait for it before taking traffic.
            const connected = Promise.all(
                [redis, subscriber].map((c) => (c.status === "ready" ? undefined : new Promise((resolve) => c.once("ready", resolve)))),
            );
            const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), waitMs).unref());
            if ((await Promise.race([connected, timeout])) === "timeout") app.log.warn("Redis is not reachable yet: starting without it");
        },
        cache: new ShopCache({ redis, subscriber, onRedisError: warn, disabled: config.cache === "off", level2Enabled }),
        sessions: new RedisSessionStore(redis),
        carts: new RedisCarts(redis),
        signInAttempts: new RedisAttemptCounter(redis, warn),
    };
}
