/** Carts in a real Redis: order of lines, the quantity cap, updates, removal, and the move at sign-in. */
import { Redis } from "ioredis";
import { connectRedis } from "../src/cache/redis";
import { RedisCarts } from "../src/modules/cart/redis-carts";
import { Unavailable } from "../src/http/unavailable";
import { RedisServer, startRedis } from "../../tools/servers/redis";

describe("carts in Redis", () => {
    let server: RedisServer;
    let redis: Redis;
    let carts: RedisCarts;

    beforeAll(async () => {
        server = await startRedis();
        redis = connectRedis(server.url, undefined, () => undefined);
        await new Promise((resolve) => redis.once("ready", resolve));
        carts = new RedisCarts(redis);
    });
    afterAll(async () => {
        redis.disconnect();
        await server.stop();
    });

    it("keeps lines in the order they were added, caps a line at 99, updates and removes", async () => {
        await carts.add("s1", 5, 2);
        await carts.add("s1", 3, 1);
        await carts.add("s1", 5, 120);
        expect(await carts.lines("s1")).toEqual([
            { productId: 5, quantity: 99 },
            { productId: 3, quantity: 1 },
        ]);
        expect(await redis.ttl("cart:s1:order")).toBeGreaterThan(13 * 24 * 3600);
        await carts.setQuantity("s1", 3, 4);
        await carts.setQuantity("s1", 8, 4); // not in the cart: nothing to update
        await carts.setQuantity("s1", 5, 0);
        expect(await carts.lines("s1")).toEqual([{ productId: 3, quantity: 4 }]);
        await carts.remove("s1", 3);
        expect(await carts.lines("s1")).toEqual([]);
    });

    it("keeps the order of lines added within one millisecond", async () => {
        const ids = Array.from({ length: 30 }, (_, i) => 30 - i);
        for (const id of ids) await carts.add("quick", id, 1);
        expect((await carts.lines("quick")).map((l) => l.productId)).toEqual(ids);
    });

    it("moves a guest's cart into the signed-in session, adding to what is there, in the order things were added", async () => {
        await carts.add("guest", 1, 2);
        await carts.add("guest", 2, 1);
        await carts.add("member", 2, 3);
        await carts.move("guest", "member");
        expect(await carts.lines("guest")).toEqual([]);
        expect(await carts.lines("member")).toEqual([
            { productId: 1, quantity: 2 },
            { productId: 2, quantity: 4 },
        ]);
        expect(await redis.exists("cart:guest", "cart:guest:order")).toBe(0);
    });

    it("answers Unavailable, not a crash, while Redis is down, and carts again once it is back", async () => {
        await server.kill();
        await expect(carts.lines("member")).rejects.toBeInstanceOf(Unavailable);
        await expect(carts.add("member", 1, 1)).rejects.toThrow("the cart is unavailable for a moment");
        await server.restart();
        // Reconnected by itself. (A client still reconnecting when the file ends left ioredis a 2 s timer that held the
        // test's Jest worker open.)
        if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
        await carts.add("member", 1, 1);
        expect(await carts.lines("member")).toEqual([{ productId: 1, quantity: 1 }]);
    });
});
