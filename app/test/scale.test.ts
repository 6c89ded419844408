/**
 * Stages 3 and 4 for real: two shop processes behind real nginx (rendered by the project's
 * own renderer), sharing a real PostgreSQL and a real Redis. Any instance serves any
 * visitor; a write on one is seen fresh on the other; Redis can fail under load, an instance can crash.
 */
import { Redis } from "ioredis";
import { startNginx } from "../../tools/servers/nginx";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RedisServer, startRedis } from "../../tools/servers/redis";
import { ShopClient } from "./support/shop";
import { ShopProcess, startShopProcess } from "../../tools/servers/shop-process";

describe("two shop instances behind nginx, sharing PostgreSQL and Redis", () => {
    let postgres: PostgresServer;
    let redisServer: RedisServer;
    let redis: Redis;
    let shops: ShopProcess[];
    let nginx: { port: number; stop(): Promise<void> };
    let front: string;
    let env: Record<string, string>;

    beforeAll(async () => {
        [postgres, redisServer] = await Promise.all([startPostgres(), startRedis()]);
        env = { SHOP_DATABASE_URL: await postgres.createDatabase("shop"), SHOP_REDIS_URL: redisServer.url };
        // One after the other: the first migrates and seeds, under its advisory lock either way.
        shops = [await startShopProcess({ ...env, SHOP_REGION: "a" }), await startShopProcess({ ...env, SHOP_REGION: "b" })];
        nginx = await startNginx({
            upstream: { servers: shops.map((s) => ({ address: `127.0.0.1:${s.port}` })) },
            rateLimit: { requestsPerSecond: 10_000, burst: 10_000 },
        });
        front = `http://127.0.0.1:${nginx.port}`;
        redis = new Redis(redisServer.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
        redis.on("error", () => undefined);
        await redis.connect();
    }, 120_000);
    afterAll(async () => {
        redis?.disconnect();
        await nginx?.stop();
        await Promise.all((shops ?? []).map((s) => s.stop()));
        await redisServer?.stop();
        await postgres?.stop();
    });

    /** The same visitor (cookies, CSRF token) talking to one instance directly. */
    const via = (client: ShopClient, shop: ShopProcess) => Object.assign(Object.create(client), { baseUrl: shop.url }) as ShopClient;

    it("spreads requests over both instances", async () => {
        const regions = new Set<string>();
        for (let i = 0; i < 10; i++) regions.add((await fetch(`${front}/healthz`)).headers.get("x-shop-region") ?? "");
        // /healthz is nginx's own; the shop's header comes from the instances.
        for (let i = 0; i < 10; i++) regions.add((await fetch(`${front}/api/categories`)).headers.get("x-shop-region") ?? "");
        expect(regions).toEqual(new Set(["", "a", "b"]));
    });

    it("keeps sessions and carts in Redis: signed in through one instance, served by the other", async () => {
        const visitor = await new ShopClient(front).open();
        await visitor.register("roaming@example.com", "Roaming Buyer");
        await via(visitor, shops[0]).request("POST", "/api/cart/items", { json: { productId: 21, quantity: 2 } });
        for (const shop of shops) {
            const session = await via(visitor, shop).request("GET", "/api/session");
            expect(session.data.user).toMatchObject({ email: "roaming@example.com" });
            const cart = await via(visitor, shop).request("GET", "/api/cart");
            expect(cart.data.lines).toEqual([expect.objectContaining({ productId: 21, quantity: 2 })]);
        }
        expect(await redis.keys("session:*")).toHaveLength(1);
        expect(postgres.psql("shop", "SELECT count(*) FROM sessions").trim()).toBe("0");
        expect(postgres.psql("shop", "SELECT count(*) FROM cart_items").trim()).toBe("0");
    });

    it("shows a product fresh on one instance right after a checkout on the other took its stock", async () => {
        const productId = 22;
        const before = (await (await fetch(`${shops[1].url}/api/products/${productId}`)).json()).stock as number;
        // Cached now on instance b (and in Redis).
        expect((await (await fetch(`${shops[1].url}/api/products/${productId}`)).json()).stock).toBe(before);
        const buyer = via(await new ShopClient(front).open(), shops[0]);
        await buyer.register("buyer-scale@example.com");
        await buyer.request("POST", "/api/cart/items", { json: { productId, quantity: 3 } });
        const order = await buyer.request("POST", "/api/checkout", { headers: { "idempotency-key": "scale-checkout-1" } });
        expect(order.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 100)); // the invalidation message crosses
        expect((await (await fetch(`${shops[1].url}/api/products/${productId}`)).json()).stock).toBe(before - 3);
    });

    it("counts failed sign-ins across instances and refuses the address past the limit", async () => {
        const owner = await new ShopClient(front).open();
        await owner.register("guarded@example.com");
        const statuses: number[] = [];
        for (let i = 0; i < 12; i++) {
            const guesser = await new ShopClient(shops[i % 2].url).open();
            statuses.push((await guesser.request("POST", "/api/session", { json: { email: "guarded@example.com", password: `guess number ${i}` } })).status);
        }
        expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
        expect(statuses.slice(10)).toEqual([429, 429]);
        const right = await (
            await new ShopClient(shops[1].url).open()
        ).request("POST", "/api/session", { json: { email: "guarded@example.com", password: "correct horse battery" } });
        expect(right.status).toBe(429);
        expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
        await redis.del((await redis.keys("attempts:*"))[0]);
    });

    it("loses no order and makes none twice when clients retry their checkouts through an instance's crash", async () => {
        const productId = 23;
        const stockBefore = (await (await fetch(`${front}/api/products/${productId}`)).json()).stock as number;
        // Half the clients talk to instance a directly (as a client of a single server would), half through nginx.
        const buyers = await Promise.all(
            Array.from({ length: 20 }, async (_, i) => {
                const buyer = await new ShopClient(front).open();
                await buyer.register(`crash-${i}@example.com`);
                await buyer.request("POST", "/api/cart/items", { json: { productId, quantity: 1 } });
                return i % 2 ? via(buyer, shops[0]) : buyer;
            }),
        );
        let retries = 0;
        // Each client retries with its own key until it gets an answer that is not an outage.
        const checkout = async (buyer: ShopClient, i: number) => {
            for (let attempt = 0; attempt < 100; attempt++) {
                const response = await buyer
                    .request("POST", "/api/checkout", { headers: { "idempotency-key": `crash-order-${i}` } })
                    .catch(() => ({ status: 0, data: undefined }));
                if (![0, 502, 503, 504].includes(response.status)) return response;
                retries++;
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
            throw new Error("no answer after 100 attempts");
        };
        const crash = (async () => {
            await new Promise((resolve) => setTimeout(resolve, 150));
            shops[0].child.kill("SIGKILL");
            await shops[0].exited;
            shops[0] = await startShopProcess({ ...env, SHOP_REGION: "a" }, shops[0].port);
        })();
        const results = await Promise.all(buyers.map((buyer, i) => new Promise((resolve) => setTimeout(resolve, i * 20)).then(() => checkout(buyer, i))));
        await crash;

        expect(retries).toBeGreaterThan(0);
        expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
        for (const buyer of buyers) {
            const orders = await buyer.request("GET", "/api/orders");
            expect(orders.data).toHaveLength(1);
            expect(orders.data[0].status).toBe("paid");
        }
        expect((await (await fetch(`${shops[1].url}/api/products/${productId}`)).json()).stock).toBe(stockBefore - 20);
        const charges = postgres.psql(
            "shop",
            "SELECT count(*) FROM payments c JOIN orders o ON o.id = c.order_id WHERE o.idempotency_key LIKE 'crash-order-%'",
        );
        expect(charges.trim()).toBe("20");
    });

    it("keeps serving product pages from PostgreSQL while Redis is down, and uses Redis again when it returns", async () => {
        const statuses: number[] = [];
        let running = true;
        const load = (async () => {
            for (let i = 0; running; i++) {
                const batch = await Promise.all(
                    Array.from({ length: 8 }, (_, j) =>
                        fetch(`${front}/products/${1 + ((i * 8 + j) % 300)}`).then(
                            (r) => r.status,
                            () => 0,
                        ),
                    ),
                );
                statuses.push(...batch);
            }
        })();
        await new Promise((resolve) => setTimeout(resolve, 500));
        await redisServer.kill();
        const killedAt = statuses.length;
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const duringOutage = statuses.length - killedAt;
        await redisServer.restart();
        await new Promise((resolve) => setTimeout(resolve, 2500));
        running = false;
        await load;

        expect(duringOutage).toBeGreaterThan(20);
        expect(statuses.filter((s) => s !== 200)).toEqual([]);
        // Back in use: fresh product reads land in Redis again.
        await fetch(`${front}/api/products/777`);
        await fetch(`${front}/api/products/777`);
        for (const deadline = Date.now() + 5000; !(await redis.exists("product:777").catch(() => 0)) && Date.now() < deadline;) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            await fetch(`${front}/api/products/777`);
        }
        expect(await redis.exists("product:777")).toBe(1);
        // The outage was seen, and answered from the database (nginx may have sent it all to one instance).
        const errors = await Promise.all(
            shops.map(async (shop) => Number((await (await fetch(shop.metricsUrl)).text()).match(/shop_cache_redis_errors_total (\d+)/)?.[1] ?? 0)),
        );
        expect(errors.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });
});
