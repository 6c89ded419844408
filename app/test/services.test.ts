/**
 * Stages 11-13 for real: the shop split into three processes by SHOP_MODULES (a catalog
 * service, a commerce service, and a gateway that also renders the storefront), on one
 * PostgreSQL. The gateway forwards the API to the services; when the catalog service dies,
 * its routes fail cleanly with 503s, its breaker opens, the other services go on serving,
 * and the breaker closes again when the service is back.
 */
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { ShopClient } from "./support/shop";
import { ShopProcess, startShopProcess } from "../../tools/servers/shop-process";

describe("the shop split into services behind a gateway", () => {
    let server: PostgresServer;
    let database: string;
    let catalog: ShopProcess;
    let commerce: ShopProcess;
    let gateway: ShopProcess;

    /** The gateway process's breaker of `service` for `caller` (its gateway's, or its storefront's pages'), from /metrics. */
    const breakerOf = async (service: string, caller = "gateway") =>
        Number(
            (await (await fetch(gateway.metricsUrl)).text()).match(
                new RegExp(`shop_service_breaker_open\\{service="${service}",caller="${caller}"\\} ([0-9.]+)`),
            )?.[1],
        );

    beforeAll(async () => {
        server = await startPostgres();
        database = await server.createDatabase("shop");
        catalog = await startShopProcess({ SHOP_DATABASE_URL: database, SHOP_MODULES: "catalog,search" });
        // Products, prices and stock are the catalog's: the commerce service asks the catalog service.
        commerce = await startShopProcess({ SHOP_DATABASE_URL: database, SHOP_MODULES: "cart,users,orders,comments", SHOP_SERVICE_URL_CATALOG: catalog.url });
        gateway = await startShopProcess({
            SHOP_DATABASE_URL: database,
            SHOP_MODULES: "gateway,web",
            SHOP_SERVICE_URL_CATALOG: catalog.url,
            SHOP_SERVICE_URL_SEARCH: catalog.url,
            ...Object.fromEntries(["CART", "USERS", "ORDERS", "COMMENTS"].map((m) => [`SHOP_SERVICE_URL_${m}`, commerce.url])),
        });
    }, 120_000);
    afterAll(async () => {
        await Promise.all([gateway, commerce, catalog].map((p) => p?.stop()));
        await server?.stop();
    });

    it("serves each module only where SHOP_MODULES puts it", async () => {
        expect((await fetch(`${catalog.url}/api/products/5`)).status).toBe(200);
        expect((await fetch(`${catalog.url}/api/cart`)).status).toBe(404);
        expect((await fetch(`${commerce.url}/api/products/5`)).status).toBe(404);
        expect((await fetch(`${commerce.url}/`)).status).toBe(404);
    });

    it("presents one API: a customer browses, signs up, buys and sees the order, all through the gateway", async () => {
        const buyer = await new ShopClient(gateway.url).open();
        expect((await buyer.request("GET", "/api/products/5")).data.id).toBe(5);
        expect((await buyer.request("GET", "/api/search?q=kettle")).data.total).toBeGreaterThan(0);
        await buyer.register("gateway@example.com", "Gateway Buyer");
        await buyer.request("POST", "/api/cart/items", { json: { productId: 5, quantity: 1 } });
        const order = await buyer.request("POST", "/api/checkout", { headers: { "idempotency-key": "gateway-order-1" } });
        expect(order.status).toBe(200);
        expect((await buyer.request("GET", "/api/orders")).data.map((o: { id: number }) => o.id)).toEqual([order.data.id]);
        // The storefront is the gateway's own, and knows the same session.
        const page = await buyer.request("GET", "/orders");
        expect(page.status).toBe(200);
        expect(page.data).toContain(`#${order.data.id}`);
    });

    it("answers clean 503s while the catalog service is down, opens its breaker, keeps the rest up, and recovers", async () => {
        const visitor = await new ShopClient(gateway.url).open();
        const port = catalog.port;
        catalog.child.kill("SIGKILL");
        await catalog.exited;

        const answers = [];
        for (let i = 0; i < 8; i++) answers.push(await visitor.request("GET", `/api/products/${10 + i}`));
        expect(answers.map((a) => a.status)).toEqual(Array(8).fill(503));
        expect(answers.every((a) => /the catalog service is unavailable/.test(a.data.error))).toBe(true);
        expect(await breakerOf("catalog")).toBe(1);
        // The commerce service is another breaker and goes on serving.
        expect((await visitor.request("GET", "/api/cart")).status).toBe(200);
        expect(await breakerOf("cart")).toBe(0);
        // The storefront's pages call the catalog through breakers of their own: they open too, in the gauge and in the
        // log line the stacks count, with the caller named.
        const pages = [];
        for (let i = 0; i < 6; i++) pages.push((await visitor.request("GET", `/products/${10 + i}`)).status);
        expect(pages).toEqual(Array(6).fill(503));
        expect(await breakerOf("catalog", "storefront")).toBe(1);
        const opened = gateway
            .output()
            .split("\n")
            .filter((line) => line.includes('"circuit breaker opened"'))
            .map((line) => JSON.parse(line) as { service: string; caller: string });
        expect(opened).toEqual(
            expect.arrayContaining([
                expect.objectContaining({ service: "catalog", caller: "gateway" }),
                expect.objectContaining({ service: "catalog", caller: "storefront" }),
            ]),
        );

        catalog = await startShopProcess({ SHOP_DATABASE_URL: database, SHOP_MODULES: "catalog,search" }, port);
        // After the open period, one trial call closes the breaker again.
        for (const deadline = Date.now() + 15_000; (await visitor.request("GET", "/api/products/10")).status !== 200;) {
            if (Date.now() > deadline) throw new Error("the catalog routes did not recover");
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(await breakerOf("catalog")).toBe(0);
        for (const deadline = Date.now() + 15_000; (await visitor.request("GET", "/products/10")).status !== 200;) {
            if (Date.now() > deadline) throw new Error("the storefront's pages did not recover");
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(await breakerOf("catalog", "storefront")).toBe(0);
    });
});
