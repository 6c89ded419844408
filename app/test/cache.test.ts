/**
 * The two-level cache against a real Redis server: two caches stand for two shop instances
 * sharing one Redis.
 */
import { Redis } from "ioredis";
import { connectRedis } from "../src/cache/redis";
import { ShopCache } from "../src/cache/shop-cache";
import { RedisServer, startRedis } from "../../tools/servers/redis";

describe("the two-level cache on real Redis", () => {
    let server: RedisServer;
    const connections: Redis[] = [];
    const connect = () => {
        const redis = connectRedis(server.url, undefined, () => undefined);
        connections.push(redis);
        return redis;
    };
    const instance = () => new ShopCache({ redis: connect(), subscriber: connect() });
    let a: ShopCache;
    let b: ShopCache;
    let redis: Redis;

    beforeAll(async () => {
        server = await startRedis();
        a = instance();
        b = instance();
        redis = connect();
        await new Promise((resolve) => setTimeout(resolve, 100)); // subscriptions in place
    });
    afterAll(async () => {
        for (const c of connections) c.disconnect();
        await server.stop();
    });

    it("does not blame Redis for a failure of the database: the error is the caller's, loaded once, and the lock is let go", async () => {
        const connection = connect();
        const cache = new ShopCache({ redis: connection, subscriber: connect() });
        if (connection.status !== "ready") await new Promise((resolve) => connection.once("ready", resolve));
        let loads = 0;
        const failing = async () => {
            loads++;
            throw Object.assign(new Error("the database system is starting up"), { code: "57P03" });
        };
        await expect(cache.getOrLoad("product:404", 60_000, failing)).rejects.toThrow("starting up");
        expect(loads).toBe(1);
        expect(cache.counters.redisErrors).toBe(0);
        expect(await redis.exists("lock:product:404")).toBe(0);
    });

    it("serves one instance's load to the other from Redis", async () => {
        let loads = 0;
        const load = async () => ({ id: 1, name: "Kettle", loads: ++loads });
        expect(await a.getOrLoad("product:1", 60_000, load)).toEqual({ id: 1, name: "Kettle", loads: 1 });
        expect(await b.getOrLoad("product:1", 60_000, load)).toEqual({ id: 1, name: "Kettle", loads: 1 });
        expect(await b.getOrLoad("product:1", 60_000, load)).toEqual({ id: 1, name: "Kettle", loads: 1 });
        expect(loads).toBe(1);
        expect(b.counters).toMatchObject({ l2Hits: 1, l1Hits: 1, loads: 0 });
    });

    it("loads a hot key once when a hundred requests on two instances miss it together (stampede)", async () => {
        let loads = 0;
        const slowLoad = async () => {
            loads++;
            await new Promise((resolve) => setTimeout(resolve, 150));
            return { id: 2 };
        };
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).getOrLoad("product:2", 60_000, slowLoad)));
        expect(results.every((r) => r?.id === 2)).toBe(true);
        expect(loads).toBe(1);
    });

    it("remembers briefly that a key does not exist (penetration)", async () => {
        let loads = 0;
        const missing = async () => {
            loads++;
            return undefined;
        };
        for (let i = 0; i < 5; i++) {
            expect(await a.getOrLoad("product:999999", 60_000, missing)).toBeUndefined();
            expect(await b.getOrLoad("product:999999", 60_000, missing)).toBeUndefined();
        }
        expect(loads).toBe(1);
        const ttl = await redis.pttl("product:999999");
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(10_000 * 1.1);
    });

    it("spreads the expiry of keys cached together (avalanche)", async () => {
        await Promise.all(Array.from({ length: 40 }, (_, i) => a.getOrLoad(`avalanche:${i}`, 60_000, async () => i)));
        const ttls = await Promise.all(Array.from({ length: 40 }, (_, i) => redis.pttl(`avalanche:${i}`)));
        expect(Math.min(...ttls)).toBeGreaterThanOrEqual(60_000 * 0.9 - 1000);
        expect(Math.max(...ttls)).toBeLessThanOrEqual(60_000 * 1.1);
        expect(Math.max(...ttls) - Math.min(...ttls)).toBeGreaterThan(60_000 * 0.05);
    });

    it("keeps a key that writes invalidate long in Redis, while the in-process copy still lives 2 s at most", async () => {
        let version = 1;
        const load = async () => ({ version });
        expect(await a.getOrLoad("long:1", 5_000, load, 600_000)).toEqual({ version: 1 });
        expect(await redis.pttl("long:1")).toBeGreaterThan(600_000 * 0.9 - 1000);
        // A change no invalidation announced (a lost message): level 1 lets go of its copy after 2 s, Redis still has it.
        version = 2;
        await redis.set("long:1", JSON.stringify({ value: { version: 3 } }), "KEEPTTL");
        await new Promise((resolve) => setTimeout(resolve, 2_300));
        expect(await a.getOrLoad("long:1", 5_000, load, 600_000)).toEqual({ version: 3 });
    });

    it("drops every instance's copy when one invalidates a key", async () => {
        let version = 1;
        const load = async () => ({ version });
        expect(await a.getOrLoad("product:3", 60_000, load)).toEqual({ version: 1 });
        expect(await b.getOrLoad("product:3", 60_000, load)).toEqual({ version: 1 });
        version = 2;
        await a.invalidate(["product:3"]);
        await new Promise((resolve) => setTimeout(resolve, 100)); // the message reaches b
        expect(await b.getOrLoad("product:3", 60_000, load)).toEqual({ version: 2 });
        expect(await a.getOrLoad("product:3", 60_000, load)).toEqual({ version: 2 });
    });

    it("answers from the source while Redis is down, and uses Redis again when it is back", async () => {
        await server.kill();
        let loads = 0;
        const load = async () => ({ loads: ++loads });
        const cache = instance();
        expect(await cache.getOrLoad("product:4", 60_000, load)).toEqual({ loads: 1 });
        expect(cache.counters.redisErrors).toBeGreaterThan(0);
        await server.restart();
        for (const deadline = Date.now() + 10_000; connections.some((c) => c.status !== "ready") && Date.now() < deadline;) {
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const errors = cache.counters.redisErrors;
        await new Promise((resolve) => setTimeout(resolve, 2100)); // its level-1 copy expires
        await cache.getOrLoad("product:4", 60_000, load);
        expect(cache.counters.redisErrors).toBe(errors);
        expect(JSON.parse((await redis.get("product:4"))!)).toEqual({ value: { loads: 2 } });
    });
});
