/**
 * The shop end to end over HTTP, on a real PostgreSQL server and on the embedded default:
 * the same suite, the same SQL, the same migrations.
 */
import { migrations } from "../src/db/migrations";
import { productsPerCategory } from "../src/db/seed";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RunningShop, ShopClient, startShop } from "./support/shop";

// [name, several processes may share the database, start]
const backends: [string, boolean, () => Promise<{ env: Record<string, string>; stop(): Promise<void>; server?: PostgresServer }>][] = [
    [
        "PostgreSQL",
        true,
        async () => {
            const server = await startPostgres();
            const url = await server.createDatabase("shop");
            return { env: { SHOP_DATABASE_URL: url }, server, stop: () => server.stop() };
        },
    ],
    ["the embedded default (PGlite)", false, async () => ({ env: {}, stop: async () => undefined })],
];

describe.each(backends)("the shop on %s", (_, multiInstance, backend) => {
    let shop: RunningShop;
    let stopBackend: () => Promise<void>;
    let server: PostgresServer | undefined;
    let emailCount = 0;
    const email = () => `buyer${++emailCount}@example.com`;

    beforeAll(async () => {
        const b = await backend();
        stopBackend = b.stop;
        server = b.server;
        shop = await startShop(b.env);
    });
    afterAll(async () => {
        await shop?.close();
        await stopBackend?.();
    });

    const client = () => new ShopClient(shop.url).open();
    const stockOf = async (id: number) => (await (await client()).request("GET", `/api/products/${id}`)).data.stock as number;

    describe("catalog and search", () => {
        it("serves a seeded catalog of about a thousand products over twelve categories", async () => {
            const c = await client();
            const categories = await c.request("GET", "/api/categories");
            expect(categories.data).toHaveLength(12);
            expect(categories.data.every((cat: { productCount: number }) => cat.productCount === productsPerCategory)).toBe(true);
            const page = await c.request("GET", "/api/products?category=shoes&page=2&pageSize=10");
            expect(page.data).toMatchObject({ page: 2, pageSize: 10, total: productsPerCategory });
            expect(page.data.items).toHaveLength(10);
            expect(page.data.items.every((p: { categorySlug: string }) => p.categorySlug === "shoes")).toBe(true);
            expect((await c.request("GET", "/api/products")).data.total).toBe(12 * productsPerCategory);
        });

        it("answers 400 naming the field for bad input, and 404 for what does not exist", async () => {
            const c = await client();
            const bad = await c.request("GET", "/api/products?pageSize=500");
            expect(bad.status).toBe(400);
            expect(bad.data.error).toContain("pageSize");
            const badId = await c.request("GET", "/api/products/abc");
            expect(badId.status).toBe(400);
            expect(badId.data.error).toContain("id");
            expect((await c.request("GET", "/api/products/999999")).status).toBe(404);
        });

        it("finds products by full-text search, best matches first", async () => {
            const c = await client();
            const result = await c.request("GET", "/api/search?q=running%20shoes");
            expect(result.status).toBe(200);
            expect(result.data.total).toBeGreaterThan(0);
            expect(result.data.items[0].name).toMatch(/Running Shoes/);
            expect((await c.request("GET", "/api/search?q=")).status).toBe(400);
        });
    });

    describe("accounts", () => {
        it("registers, refuses a duplicate and a short password by field, and signs in and out", async () => {
            const c = await client();
            const address = email();
            const short = await c.request("POST", "/api/users", { json: { email: address, name: "Ann", password: "short" } });
            expect(short.status).toBe(400);
            expect(short.data.error).toContain("password");
            await c.register(address, "Ann");
            expect((await c.request("GET", "/api/session")).data.user).toMatchObject({ email: address, name: "Ann" });
            const again = await (await client()).request("POST", "/api/users", { json: { email: address, name: "Ann", password: "correct horse battery" } });
            expect(again.status).toBe(409);

            const other = await client();
            expect((await other.request("POST", "/api/session", { json: { email: address, password: "wrong password!" } })).status).toBe(401);
            const signedIn = await other.request("POST", "/api/session", { json: { email: address.toUpperCase(), password: "correct horse battery" } });
            expect(signedIn.status).toBe(200);
            other.csrfToken = signedIn.data.csrfToken;
            const out = await other.request("DELETE", "/api/session");
            expect(out.data.user).toBeNull();
        });

        it("stores passwords as scrypt hashes, never in clear", async () => {
            const c = await client();
            const address = email();
            await c.register(address);
            const { rows } = await shop.stores.users.query<{ password_hash: string }>("SELECT password_hash FROM users WHERE email = $1", [address]);
            expect(rows[0].password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
            expect(rows[0].password_hash).not.toContain("correct horse");
        });

        it("sets the session cookie signed, HttpOnly and SameSite", async () => {
            const response = await fetch(`${shop.url}/api/session`);
            const cookie = response.headers.getSetCookie()[0];
            expect(cookie).toMatch(/^shop_sid=[^.;]+\.[^;]+;/);
            expect(cookie).toContain("HttpOnly");
            expect(cookie).toContain("SameSite=Lax");
        });

        it("refuses a state-changing request without the CSRF token", async () => {
            const c = await client();
            const response = await c.request("POST", "/api/cart/items", { json: { productId: 1 }, csrf: false });
            expect(response.status).toBe(403);
            expect(response.data.error).toContain("CSRF");
            const forged = await c.request("POST", "/api/cart/items", { json: { productId: 1 }, headers: { "x-csrf-token": "forged" }, csrf: false });
            expect(forged.status).toBe(403);
        });
    });

    describe("cart and checkout", () => {
        it("checks out a cart once: stock taken, cart emptied, order paid, a retry returns the same order and charges nothing more", async () => {
            const c = await client();
            await c.register(email());
            const before = [await stockOf(2), await stockOf(3)];
            await c.request("POST", "/api/cart/items", { json: { productId: 2, quantity: 2 } });
            const cart = await c.request("POST", "/api/cart/items", { json: { productId: 3 } });
            expect(cart.data.count).toBe(3);

            const key = "checkout-key-0001";
            const order = await c.request("POST", "/api/checkout", { headers: { "idempotency-key": key } });
            expect(order.status).toBe(200);
            expect(order.data).toMatchObject({
                status: "paid",
                items: [expect.objectContaining({ productId: 2, quantity: 2 }), expect.objectContaining({ productId: 3, quantity: 1 })],
            });
            expect(order.data.totalCents).toBe(
                order.data.items.reduce((s: number, i: { unitPriceCents: number; quantity: number }) => s + i.unitPriceCents * i.quantity, 0),
            );
            expect([await stockOf(2), await stockOf(3)]).toEqual([before[0] - 2, before[1] - 1]);
            expect((await c.request("GET", "/api/cart")).data.count).toBe(0);

            const retry = await c.request("POST", "/api/checkout", { headers: { "idempotency-key": key } });
            expect(retry.data.id).toBe(order.data.id);
            expect([await stockOf(2), await stockOf(3)]).toEqual([before[0] - 2, before[1] - 1]);
            const charges = await shop.stores.orders.query<{ n: string }>("SELECT count(*) AS n FROM payments WHERE order_id = $1", [order.data.id]);
            expect(Number(charges.rows[0].n)).toBe(1);
            const history = await c.request("GET", "/api/orders");
            expect(history.data.map((o: { id: number }) => o.id)).toEqual([order.data.id]);
        });

        it("needs a signed-in user, an idempotency key and a cart", async () => {
            const guest = await client();
            expect((await guest.request("POST", "/api/checkout", { headers: { "idempotency-key": "guest-key-001" } })).status).toBe(401);
            const c = await client();
            await c.register(email());
            const noKey = await c.request("POST", "/api/checkout");
            expect(noKey.status).toBe(400);
            expect(noKey.data.error).toContain("idempotency-key");
            const empty = await c.request("POST", "/api/checkout", { headers: { "idempotency-key": "empty-cart-01" } });
            expect(empty.status).toBe(400);
            expect(empty.data.error).toContain("cart is empty");
        });

        it("refuses to sell more than the stock, and takes nothing for the refused order", async () => {
            await shop.stores.catalog.query("UPDATE products SET stock = 10 WHERE id = 7");
            await shop.app.shop.catalog.forget([7]);
            const c = await client();
            await c.register(email());
            expect((await c.request("POST", "/api/cart/items", { json: { productId: 7, quantity: 3 } })).status).toBe(200);
            // Sold elsewhere meanwhile: the cart holds more than is left.
            await shop.stores.catalog.query("UPDATE products SET stock = 1 WHERE id = 7");
            await shop.app.shop.catalog.forget([7]);
            expect((await c.request("POST", "/api/cart/items", { json: { productId: 7, quantity: 1 } })).status).toBe(409);
            const refused = await c.request("POST", "/api/checkout", { headers: { "idempotency-key": "too-many-0001" } });
            expect(refused.status).toBe(409);
            expect(refused.data.order.status).toBe("rejected");
            expect(await stockOf(7)).toBe(1);
            const again = await c.request("POST", "/api/checkout", { headers: { "idempotency-key": "too-many-0001" } });
            expect(again.status).toBe(409);
        });
    });

    describe("concurrent checkouts", () => {
        it("sell exactly the stock left when many buyers want the last items at once", async () => {
            const productId = 11;
            await shop.stores.catalog.query("UPDATE products SET stock = 5 WHERE id = $1", [productId]);
            await shop.app.shop.catalog.forget([productId]);
            const buyers = await Promise.all(
                Array.from({ length: 20 }, async () => {
                    const c = await client();
                    await c.register(email());
                    await c.request("POST", "/api/cart/items", { json: { productId } });
                    return c;
                }),
            );
            const results = await Promise.all(buyers.map((c, i) => c.request("POST", "/api/checkout", { headers: { "idempotency-key": `last-items-${i}` } })));
            const statuses = results.map((r) => r.status).sort();
            expect(statuses.filter((s) => s === 200)).toHaveLength(5);
            expect(statuses.filter((s) => s === 409)).toHaveLength(15);
            expect(await stockOf(productId)).toBe(0);
            const sold = await shop.stores.orders.query<{ quantity: string; charges: string }>(
                `SELECT coalesce(sum(i.quantity), 0) AS quantity, count(DISTINCT c.idempotency_key) AS charges
                 FROM orders o JOIN order_items i ON i.order_id = o.id LEFT JOIN payments c ON c.order_id = o.id
                 WHERE i.product_id = $1 AND o.status = 'paid'`,
                [productId],
            );
            expect([Number(sold.rows[0].quantity), Number(sold.rows[0].charges)]).toEqual([5, 5]);
            const reserved = await shop.stores.catalog.query<{ n: string }>(
                "SELECT coalesce(sum(quantity), 0) AS n FROM stock_reservations WHERE product_id = $1",
                [productId],
            );
            expect(Number(reserved.rows[0].n)).toBe(5);
        });

        it("make one order and one charge of ten parallel requests with the same idempotency key", async () => {
            const productId = 12;
            const before = await stockOf(productId);
            const c = await client();
            await c.register(email());
            await c.request("POST", "/api/cart/items", { json: { productId, quantity: 2 } });
            const results = await Promise.all(
                Array.from({ length: 10 }, () => c.request("POST", "/api/checkout", { headers: { "idempotency-key": "same-key-times-ten" } })),
            );
            expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
            expect(new Set(results.map((r) => r.data.id)).size).toBe(1);
            const orderId = results[0].data.id;
            const orders = await c.request("GET", "/api/orders");
            expect(orders.data.map((o: { id: number }) => o.id)).toEqual([orderId]);
            const charges = await shop.stores.orders.query<{ n: string }>("SELECT count(*) AS n FROM payments WHERE order_id = $1", [orderId]);
            expect(Number(charges.rows[0].n)).toBe(1);
            expect(await stockOf(productId)).toBe(before - 2);
        });
    });

    describe("a checkout's duplicate", () => {
        it("that finds the cart emptied by its twin, paid, answers with the twin's order, not an empty cart", async () => {
            const c = await client();
            await c.register(email());
            await c.request("POST", "/api/cart/items", { json: { productId: 9, quantity: 1 } });
            const checkout = () => c.request("POST", "/api/checkout", { headers: { "idempotency-key": "twin-finishes-first" } });
            // The first request reads the cart only once its twin, sent meanwhile, has paid and emptied it.
            const lines = shop.app.shop.carts.lines.bind(shop.app.shop.carts);
            let twin: Awaited<ReturnType<typeof checkout>> | undefined;
            const spy = jest.spyOn(shop.app.shop.carts, "lines").mockImplementationOnce(async (sessionId) => {
                twin = await checkout();
                return lines(sessionId);
            });
            try {
                const first = await checkout();
                expect([twin?.status, first.status]).toEqual([200, 200]);
                expect(first.data.id).toBe(twin!.data.id);
            } finally {
                spy.mockRestore();
            }
        });
    });

    describe("comments", () => {
        it("lists a product's comments and lets a signed-in user add one", async () => {
            const c = await client();
            expect((await c.request("POST", "/api/products/5/comments", { json: { rating: 5, body: "Great" } })).status).toBe(401);
            await c.register(email(), "Reviewer");
            const bad = await c.request("POST", "/api/products/5/comments", { json: { rating: 9, body: "Great" } });
            expect(bad.status).toBe(400);
            expect(bad.data.error).toContain("rating");
            const added = await c.request("POST", "/api/products/5/comments", { json: { rating: 4, body: "Sturdy and handsome." } });
            expect(added.status).toBe(201);
            const list = await c.request("GET", "/api/products/5/comments");
            expect(list.data.items[0]).toMatchObject({ authorName: "Reviewer", rating: 4, body: "Sturdy and handsome." });
            expect((await c.request("GET", "/api/comments/latest")).data[0].body).toBe("Sturdy and handsome.");
        });
    });

    describe("storefront pages", () => {
        it("renders home, category, product, search and cart pages", async () => {
            const c = await client();
            for (const [path, text] of [
                ["/", "New in the shop"],
                ["/categories/kitchen?page=2", "Page 2 of 4"],
                ["/products/1", "Add to cart"],
                ["/search?q=kettle", "Kettle"],
                ["/cart", "Your cart is empty"],
                ["/login", "Sign in"],
            ]) {
                const response = await c.request("GET", path);
                expect([path, response.status]).toEqual([path, 200]);
                expect(response.headers.get("content-type")).toContain("text/html");
                expect(response.data).toContain(text);
            }
            expect((await c.request("GET", "/products/424242")).status).toBe(404);
        });

        it("escapes what users write", async () => {
            const c = await client();
            await c.register(email(), "<script>alert(1)</script>");
            await c.request("POST", "/api/products/9/comments", { json: { rating: 3, body: "<img src=x onerror=alert(1)>" } });
            const pageHtml = (await c.request("GET", "/products/9")).data as string;
            expect(pageHtml).not.toContain("<img src=x");
            expect(pageHtml).toContain("&lt;img src=x onerror=alert(1)&gt;");
            expect(pageHtml).not.toContain("<script>alert(1)</script>");
        });

        it("re-renders a form with 400 and the field named for bad input", async () => {
            const c = await client();
            const response = await c.request("POST", "/register", { form: { _csrf: c.csrfToken, email: email(), name: "Bo", password: "short" }, csrf: false });
            expect(response.status).toBe(400);
            expect(response.data).toContain("Not registered: password must have at least 10 characters");
        });
    });

    describe("operations and safety", () => {
        it("serves /healthz, /readyz, and Prometheus /metrics with request latency on a port of its own", async () => {
            const c = await client();
            expect((await c.request("GET", "/healthz")).data).toEqual({ status: "ok", region: "local" });
            expect((await c.request("GET", "/readyz")).data).toEqual({ status: "ready" });
            expect((await c.request("GET", "/metrics")).status).toBe(404);
            expect(shop.metricsUrl).not.toContain(`:${new URL(shop.url).port}/`);
            const metrics = await (await fetch(shop.metricsUrl)).text();
            expect(metrics).toContain("shop_http_request_duration_seconds_bucket");
            expect(metrics).toMatch(/shop_http_request_duration_seconds_count\{method="GET",route="\/api\/products\/:id",status="200"\} \d+/);
        });

        it("sends security headers and refuses oversized bodies", async () => {
            const c = await client();
            const response = await c.request("GET", "/");
            expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
            expect(response.headers.get("x-content-type-options")).toBe("nosniff");
            expect(response.headers.get("x-shop-region")).toBe("local");
            const huge = await c.request("POST", "/api/cart/items", { json: { productId: 1, padding: "x".repeat(200_000) } });
            expect(huge.status).toBe(413);
        });

        // An embedded database belongs to one process, so this is for real servers only.
        (multiInstance ? it : it.skip)("applies migrations once when several instances start at once", async () => {
            const url = await server!.createDatabase("race");
            const shops = await Promise.all([
                startShop({ SHOP_DATABASE_URL: url }),
                startShop({ SHOP_DATABASE_URL: url }),
                startShop({ SHOP_DATABASE_URL: url }),
            ]);
            try {
                const applied = await shops[0].stores.catalog.query<{ n: string }>("SELECT count(*) AS n FROM schema_migrations");
                expect(Number(applied.rows[0].n)).toBe(Object.values(migrations).flat().length);
                const products = await shops[0].stores.catalog.query<{ n: string }>("SELECT count(*) AS n FROM products");
                expect(Number(products.rows[0].n)).toBe(12 * productsPerCategory);
            } finally {
                await Promise.all(shops.map((s) => s.close()));
            }
        });
    });
});
