/**
 * Fault drills: two shop processes behind the project's own nginx, on real PostgreSQL and
 * Redis, under load while something fails. Every drill counts rows in the database: what
 * the shop acknowledged is there, once; what it refused left nothing behind; and no client
 * ever sees a 500.
 */
import * as net from "node:net";
import { startNginx } from "../../tools/servers/nginx";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RedisServer, startRedis } from "../../tools/servers/redis";
import { ShopClient } from "./support/shop";
import { ShopProcess, startShopProcess } from "../../tools/servers/shop-process";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const outage = [0, 502, 503, 504];

/** Checks out until the answer is not an outage; every status seen on the way is kept. */
async function checkoutUntilAnswered(buyer: ShopClient, key: string, seen: number[]): Promise<number> {
    for (let attempt = 0; attempt < 300; attempt++) {
        const { status } = await buyer.request("POST", "/api/checkout", { headers: { "idempotency-key": key } }).catch(() => ({ status: 0 }));
        seen.push(status);
        if (!outage.includes(status)) return status;
        await sleep(100);
    }
    throw new Error(`no answer to checkout ${key} after 300 attempts`);
}

/** Requests `next()` in `parallel` loops until `running()` is false; the statuses seen. */
async function load(parallel: number, running: () => boolean, next: (i: number) => Promise<number>): Promise<number[]> {
    const statuses: number[] = [];
    await Promise.all(
        Array.from({ length: parallel }, async (_, lane) => {
            for (let i = lane; running(); i += parallel) statuses.push(await next(i).catch(() => 0));
        }),
    );
    return statuses;
}

describe("fault drills: two instances behind nginx on PostgreSQL and Redis", () => {
    let postgres: PostgresServer;
    let redisServer: RedisServer;
    let shops: ShopProcess[];
    let nginx: { port: number; stop(): Promise<void> };
    let front: string;
    let buyerCount = 0;

    beforeAll(async () => {
        [postgres, redisServer] = await Promise.all([startPostgres(), startRedis()]);
        const env = { SHOP_DATABASE_URL: await postgres.createDatabase("shop"), SHOP_REDIS_URL: redisServer.url, SHOP_TRUSTED_PROXIES: "127.0.0.1" };
        shops = [await startShopProcess({ ...env, SHOP_REGION: "a" }), await startShopProcess({ ...env, SHOP_REGION: "b" })];
        nginx = await startNginx({
            upstream: { servers: shops.map((s) => ({ address: `127.0.0.1:${s.port}` })) },
            rateLimit: { requestsPerSecond: 10_000, burst: 10_000 },
        });
        front = `http://127.0.0.1:${nginx.port}`;
    }, 120_000);
    afterAll(async () => {
        await nginx?.stop();
        await Promise.all((shops ?? []).map((s) => s.stop()));
        await redisServer?.stop();
        await postgres?.stop();
    });

    const count = (sql: string) => Number(postgres.psql("shop", sql).trim());

    /** `n` signed-in buyers with `quantity` of `productId` in their carts, each talking to `baseUrl(i)`. */
    async function buyers(n: number, productId: number, baseUrl: (i: number) => string, quantity = 1): Promise<ShopClient[]> {
        return Promise.all(
            Array.from({ length: n }, async (_, i) => {
                const buyer = await new ShopClient(baseUrl(i)).open();
                await buyer.register(`drill-${++buyerCount}@example.com`);
                const added = await buyer.request("POST", "/api/cart/items", { json: { productId, quantity } });
                if (added.status !== 200) throw new Error(`could not fill the cart: ${added.status} ${JSON.stringify(added.data)}`);
                return buyer;
            }),
        );
    }

    it("sells exactly the stock when four times as many buyers check out at once through both instances", async () => {
        const productId = 41;
        const stock = 10;
        postgres.psql("shop", `UPDATE products SET stock = ${stock} WHERE id = ${productId}`);
        const crowd = await buyers(4 * stock, productId, (i) => shops[i % 2].url);
        const answers = await Promise.all(crowd.map((buyer, i) => buyer.request("POST", "/api/checkout", { headers: { "idempotency-key": `oversell-${i}` } })));

        expect(answers.filter((a) => a.status === 200)).toHaveLength(stock);
        expect(answers.filter((a) => a.status === 409)).toHaveLength(3 * stock);
        expect(answers.filter((a) => a.status === 409).every((a) => /fewer than 1 left/.test(a.data.error))).toBe(true);
        expect(count(`SELECT stock FROM products WHERE id = ${productId}`)).toBe(0);
        expect(count("SELECT count(*) FROM orders WHERE idempotency_key LIKE 'oversell-%' AND status = 'paid'")).toBe(stock);
        expect(count("SELECT count(*) FROM orders WHERE idempotency_key LIKE 'oversell-%' AND status = 'rejected'")).toBe(3 * stock);
        expect(count(`SELECT coalesce(sum(quantity), 0) FROM stock_reservations WHERE product_id = ${productId}`)).toBe(stock);
        expect(count("SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.idempotency_key LIKE 'oversell-%'")).toBe(stock);
    });

    it("recovers by itself when PostgreSQL restarts under load: no 500, every acknowledged order there once", async () => {
        const productId = 42;
        postgres.psql("shop", `UPDATE products SET stock = 500 WHERE id = ${productId}`);
        const crowd = await buyers(20, productId, () => front);
        const checkoutStatuses: number[] = [];
        let reading = true;
        const reads = load(
            4,
            () => reading,
            (i) => fetch(`${front}/api/products/${300 + (i % 200)}`).then((r) => r.status),
        );
        const checkouts = Promise.all(
            crowd.map(async (buyer, i) => {
                await sleep(i * 30);
                return checkoutUntilAnswered(buyer, `pg-restart-${i}`, checkoutStatuses);
            }),
        );
        await sleep(200);
        await postgres.restart(1500);
        const answered = await checkouts;
        await sleep(500);
        reading = false;
        const readStatuses = await reads;

        expect(answered).toEqual(Array(20).fill(200));
        expect(checkoutStatuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
        expect(readStatuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
        expect(readStatuses.filter((s) => s === 503).length + checkoutStatuses.filter((s) => s === 503).length).toBeGreaterThan(0);
        expect(count("SELECT count(*) FROM orders WHERE idempotency_key LIKE 'pg-restart-%'")).toBe(20);
        expect(count("SELECT count(*) FROM orders WHERE idempotency_key LIKE 'pg-restart-%' AND status = 'paid'")).toBe(20);
        expect(count("SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.idempotency_key LIKE 'pg-restart-%'")).toBe(20);
        expect(count(`SELECT stock FROM products WHERE id = ${productId}`)).toBe(480);
    });

    it("keeps both instances serving product reads while Redis is killed under load; carts answer 503 meanwhile", async () => {
        const productId = 43;
        postgres.psql("shop", `UPDATE products SET stock = 500 WHERE id = ${productId}`);
        const crowd = await buyers(10, productId, () => front);
        let running = true;
        const reads = load(
            6,
            () => running,
            (i) => fetch(`${front}/api/products/${1 + (i % 250)}`).then((r) => r.status),
        );
        const carts = load(
            4,
            () => running,
            (i) => crowd[i % crowd.length].request("GET", "/api/cart").then((r) => r.status),
        );
        // Checkouts before the outage: acknowledged, they must be there once.
        const acknowledged: string[] = [];
        for (const [i, buyer] of crowd.slice(0, 5).entries()) {
            const key = `redis-drill-${i}`;
            if ((await buyer.request("POST", "/api/checkout", { headers: { "idempotency-key": key } })).status === 200) acknowledged.push(key);
        }
        await sleep(300);
        await redisServer.kill();
        await sleep(2000);
        await redisServer.restart();
        await sleep(2000);
        running = false;
        const [readStatuses, cartStatuses] = await Promise.all([reads, carts]);

        expect(acknowledged).toHaveLength(5);
        expect(readStatuses.length).toBeGreaterThan(50);
        expect(readStatuses.filter((s) => s !== 200)).toEqual([]);
        expect(cartStatuses.filter((s) => s !== 200 && s !== 503 && s !== 401)).toEqual([]);
        expect(cartStatuses.filter((s) => s === 503).length).toBeGreaterThan(0);
        expect(count(`SELECT count(*) FROM orders WHERE idempotency_key IN (${acknowledged.map((k) => `'${k}'`).join(",")}) AND status = 'paid'`)).toBe(5);
        expect(count("SELECT count(*) FROM orders WHERE idempotency_key LIKE 'redis-drill-%'")).toBe(5);
        // Both instances took reads after the outage: nginx took neither out for the 503s.
        const regions = new Set<string>();
        for (let i = 0; i < 10; i++) regions.add((await fetch(`${front}/api/categories`)).headers.get("x-shop-region") ?? "");
        expect(regions).toEqual(new Set(["a", "b"]));
    });

    it("closes connections that dribble their headers (slowloris) and serves normal clients meanwhile", async () => {
        const slow: net.Socket[] = [];
        try {
            const closed = Array.from({ length: 30 }, () => {
                const socket = net.connect(shops[0].port, "127.0.0.1", () => socket.write("GET /api/categories HTTP/1.1\r\nHost: shop\r\n"));
                slow.push(socket);
                socket.on("error", () => undefined);
                const drip = setInterval(() => socket.writable && socket.write(`X-Slow-${Date.now()}: 1\r\n`), 1000);
                return new Promise<void>((resolve) => socket.on("close", () => (clearInterval(drip), resolve())));
            });
            await sleep(1000);
            const served = await Promise.all(Array.from({ length: 10 }, () => fetch(`${shops[0].url}/api/categories`).then((r) => r.status)));
            expect(served).toEqual(Array(10).fill(200));
            // The shop gives 5 s for headers; the deadline is generous.
            // The deadline's timer unref'd: left running once they are closed, it would hold the test's worker open.
            const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("slow clients still connected after 20 s")), 20_000).unref());
            await Promise.race([Promise.all(closed), deadline]);
            expect(count("SELECT count(*) FROM products")).toBeGreaterThan(0);
        } finally {
            for (const socket of slow) socket.destroy();
        }
    }, 40_000);
});

describe("fault drill: a pool burst against a small max_connections", () => {
    let postgres: PostgresServer;
    let shops: ShopProcess[];
    let nginx: { port: number; stop(): Promise<void> };
    let front: string;

    beforeAll(async () => {
        // 20 connections, 3 of them kept for superusers; the pools sized as the stacks size them:
        // (20 less a reserve of 5 for administration) / 2 instances = 7 each.
        postgres = await startPostgres({ maxConnections: 20 });
        const owner = { user: "shop_app", password: "drill-password-0123" };
        const env = { SHOP_DATABASE_URL: await postgres.createDatabase("shop", owner), SHOP_DATABASE_PASSWORD: owner.password, SHOP_DATABASE_POOL_MAX: "7" };
        shops = [await startShopProcess({ ...env, SHOP_REGION: "a" }), await startShopProcess({ ...env, SHOP_REGION: "b" })];
        nginx = await startNginx({
            upstream: { servers: shops.map((s) => ({ address: `127.0.0.1:${s.port}` })) },
            rateLimit: { requestsPerSecond: 10_000, burst: 10_000 },
        });
        front = `http://127.0.0.1:${nginx.port}`;
    }, 120_000);
    afterAll(async () => {
        await nginx?.stop();
        await Promise.all((shops ?? []).map((s) => s.stop()));
        await postgres?.stop();
    });

    it("answers a burst of 200 without a hang or a 500, never serves a signed-in reader as a guest, and leaks no connection", async () => {
        const readers = await Promise.all(
            Array.from({ length: 20 }, async (_, i) => {
                const reader = await new ShopClient(front).open();
                await reader.register(`pool-${i}@example.com`);
                return reader;
            }),
        );
        const started = Date.now();
        const burst = await Promise.all(
            Array.from({ length: 200 }, (_, i) => {
                const reader = readers[i % readers.length];
                if (i % 4 === 0) return reader.request("GET", "/api/orders").then((r) => ["orders", r.status] as const);
                if (i % 4 === 1)
                    return reader.request("POST", "/api/cart/items", { json: { productId: 500 + i, quantity: 1 } }).then((r) => ["cart", r.status] as const);
                return fetch(`${front}/api/products/${600 + i}`).then((r) => ["product", r.status] as const);
            }),
        );
        expect(Date.now() - started).toBeLessThan(60_000);
        // 409: a product sold out; never a 500, never a 502 (an instance lost).
        expect(burst.filter(([kind, s]) => s !== 200 && s !== 503 && !(kind === "cart" && s === 409))).toEqual([]);
        expect(burst.filter(([kind, s]) => kind === "orders" && s === 401)).toEqual([]);
        // Every acknowledged cart line is in the database, and no refused one.
        const added = burst.filter(([kind, s]) => kind === "cart" && s === 200).length;
        expect(Number(postgres.psql("shop", "SELECT count(*) FROM cart_items").trim())).toBe(added);
        // No connection leaked: the pools hold at most their size, and the shop serves again.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(Number(postgres.psql("shop", "SELECT count(*) FROM pg_stat_activity WHERE usename = 'shop_app'").trim())).toBeLessThanOrEqual(14);
        const after = await Promise.all(readers.map((r) => r.request("GET", "/api/orders").then((x) => x.status)));
        expect(after).toEqual(Array(20).fill(200));
    });
});
