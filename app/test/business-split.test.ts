/**
 * Stage 6 for real: catalog, orders and users each on a database of their own. A join or a
 * reference across domains would fail here, since the other domain's tables do not exist in
 * that database; the whole customer path must still work.
 */
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RunningShop, ShopClient, startShop } from "./support/shop";

describe("each business domain on its own database", () => {
    let server: PostgresServer;
    let shop: RunningShop;
    let urls: Record<string, string>;
    const tablesOf = (database: string) =>
        server.psql(database, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'").trim().split(",");

    beforeAll(async () => {
        server = await startPostgres();
        // Each database belongs to a role of its own with its own password, as each domain's cluster has its own credential.
        const [catalog, orders, users] = await Promise.all(
            ["catalog", "orders", "users"].map((name) => server.createDatabase(name, { user: `${name}_owner`, password: `${name}: pass'word` })),
        );
        urls = { catalog, orders, users };
        // The main URL is the catalog's; orders and users are moved out.
        shop = await startShop({
            SHOP_DATABASE_URL: catalog,
            SHOP_DATABASE_PASSWORD: "catalog: pass'word",
            SHOP_DATABASE_URL_ORDERS: orders,
            SHOP_DATABASE_PASSWORD_ORDERS: "orders: pass'word",
            SHOP_DATABASE_URL_USERS: users,
            SHOP_DATABASE_PASSWORD_USERS: "users: pass'word",
        });
    }, 60_000);
    afterAll(async () => {
        await shop?.close();
        await server?.stop();
    });

    it("refuses to start when a domain's password is wrong: each database checks its own", async () => {
        const wrong = startShop({
            SHOP_DATABASE_URL: urls.catalog,
            SHOP_DATABASE_PASSWORD: "catalog: pass'word",
            SHOP_DATABASE_URL_USERS: urls.users,
            SHOP_DATABASE_PASSWORD_USERS: "catalog: pass'word",
        });
        await expect(wrong).rejects.toThrow(/password authentication failed for user "users_owner"/);
    });

    it("keeps each domain's tables in its own database", () => {
        expect(tablesOf("catalog")).toEqual(["categories", "comments", "products", "schema_migrations", "search_outbox", "stock_reservations"]);
        expect(tablesOf("orders")).toEqual(expect.arrayContaining(["cart_items", "order_items", "orders", "schema_migrations"]));
        expect(tablesOf("orders")).not.toContain("products");
        expect(tablesOf("users")).toEqual(["schema_migrations", "sessions", "users"]);
    });

    it("serves the whole customer path across the three databases", async () => {
        const buyer = await new ShopClient(shop.url).open();
        await buyer.register("split@example.com", "Split Buyer");
        expect((await buyer.request("GET", "/api/search?q=kettle")).data.total).toBeGreaterThan(0);
        await buyer.request("POST", "/api/cart/items", { json: { productId: 30, quantity: 2 } });
        const order = await buyer.request("POST", "/api/checkout", { headers: { "idempotency-key": "split-order-1" } });
        expect(order.status).toBe(200);
        expect(order.data.status).toBe("paid");
        expect((await buyer.request("GET", "/api/orders")).data.map((o: { id: number }) => o.id)).toEqual([order.data.id]);
        expect((await buyer.request("POST", "/api/products/30/comments", { json: { rating: 5, body: "Arrived from three databases." } })).status).toBe(201);
        for (const path of ["/", "/products/30", "/orders", `/orders/${order.data.id}`, "/cart", "/categories/kitchen"]) {
            expect([path, (await buyer.request("GET", path)).status]).toEqual([path, 200]);
        }
        expect(server.psql("orders", `SELECT status FROM orders WHERE id = ${order.data.id}`).trim()).toBe("paid");
        expect(server.psql("catalog", "SELECT sum(quantity) FROM stock_reservations WHERE product_id = 30").trim()).toBe("2");
        expect(server.psql("users", "SELECT count(*) FROM users WHERE email = 'split@example.com'").trim()).toBe("1");
    });
});
