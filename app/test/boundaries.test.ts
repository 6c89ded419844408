/**
 * The service boundaries in the databases (issue 19), on a real PostgreSQL server: the migration
 * entry (src/migrate.ts) runs the migrations with a master user that is no superuser (as on
 * Aurora) and makes one login role per domain; each role is refused what is not its own; and the
 * customer's whole path passes, through the API and in the storefront's pages, with every service
 * of stage 13 in its own process, signed in as its own domain's role, with no migration of its
 * own (SHOP_MIGRATIONS=external), and a storefront that owns no database.
 */
import { Client } from "pg";
import { runMigrate } from "./support/migrate-process";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RedisServer, startRedis } from "../../tools/servers/redis";
import { ShopClient } from "./support/shop";
import { ShopProcess, spawnShop, startShopProcess } from "../../tools/servers/shop-process";
import { freePort } from "../../tools/servers/ports";
import { internalSignature } from "../src/http/internal-signature";

const masterPassword = "master-password-0123";
const passwords = { catalog: "catalog-role-password", orders: "orders-role-password", users: "users-role-password", comments: "comments-role-password" };
type Domain = keyof typeof passwords;

describe("service boundaries in the databases", () => {
    let server: PostgresServer;
    let redis: RedisServer;
    let url: (user: string, database: string) => string;
    const processes: ShopProcess[] = [];
    let services: Record<"catalog" | "users" | "orders" | "cart", ShopProcess>;
    let gateway: ShopProcess;

    /** The master's variables, as the migration function gets them. */
    const masterEnv = () => ({
        SHOP_DATABASE_URL: url("master", "shop"),
        SHOP_DATABASE_PASSWORD: masterPassword,
        SHOP_COMMENT_SHARD_URLS: url("master", "comments"),
        SHOP_COMMENT_SHARD_PASSWORD: masterPassword,
        ...Object.fromEntries(Object.entries(passwords).map(([d, p]) => [`SHOP_ROLE_PASSWORD_${d.toUpperCase()}`, p])),
    });

    /** A domain's role's variables, as the stacks give a process that owns it. */
    const roleEnv = (domain: Domain, main = false): Record<string, string> => {
        if (domain === "comments") return { SHOP_COMMENT_SHARD_URLS: url("shop_comments", "comments"), SHOP_COMMENT_SHARD_PASSWORD: passwords.comments };
        const suffix = main ? "" : `_${domain.toUpperCase()}`;
        return { [`SHOP_DATABASE_URL${suffix}`]: url(`shop_${domain}`, "shop"), [`SHOP_DATABASE_PASSWORD${suffix}`]: passwords[domain] };
    };

    const asRole = async <T>(domain: Domain, database: string, work: (client: Client) => Promise<T>): Promise<T> => {
        const target = new URL(url(`shop_${domain}`, database));
        target.password = passwords[domain];
        const client = new Client({ connectionString: target.href });
        await client.connect();
        try {
            return await work(client);
        } finally {
            await client.end();
        }
    };
    const refusal = (work: Promise<unknown>) =>
        work.then(
            () => "allowed",
            (err: { code?: string }) => err.code,
        );

    beforeAll(async () => {
        [server, redis] = await Promise.all([startPostgres(), startRedis()]);
        // The master: a login role that may create roles and owns the databases, but is no superuser.
        server.psql(
            "postgres",
            `CREATE ROLE master LOGIN CREATEROLE PASSWORD '${masterPassword}'; CREATE DATABASE shop OWNER master; CREATE DATABASE comments OWNER master;`,
        );
        url = (user, database) => `postgres://${user}@127.0.0.1:${server.port}/${database}`;
    }, 120_000);
    afterAll(async () => {
        await Promise.all(processes.map((p) => p.stop()));
        await redis?.stop();
        await server?.stop();
    });

    it("migrates with the master credential, makes the roles, and may run twice at once", async () => {
        const runs = await Promise.all([runMigrate(masterEnv()), runMigrate(masterEnv())]);
        for (const run of runs) {
            expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
            expect(JSON.parse(run.stdout)).toEqual({
                migrated: ["catalog", "orders", "users", "comments"],
                roles: ["shop_catalog", "shop_orders", "shop_users", "shop_comments"],
                search: false,
            });
        }
        expect(server.psql("shop", "SELECT count(*) FROM products").trim()).toBe("1008");
        expect(Number(server.psql("comments", "SELECT count(*) FROM comments").trim())).toBeGreaterThan(0);
        expect(
            server.psql("postgres", "SELECT string_agg(rolname || ':' || rolsuper, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'shop\\_%'").trim(),
        ).toBe("shop_catalog:false,shop_comments:false,shop_orders:false,shop_users:false");
    }, 240_000);

    it("names what failed in one line, and exits non-zero", async () => {
        const run = await runMigrate({ ...masterEnv(), SHOP_DATABASE_PASSWORD: "not-the-password", SHOP_ROLE_PASSWORD_USERS: "" });
        expect(run.code).toBe(1);
        expect(run.stderr.trim().split("\n")).toEqual([
            "migrations failed: Invalid configuration: SHOP_ROLE_PASSWORD_USERS: missing: this run migrates the users domain and makes the roles of the domains it migrates",
        ]);
        const refused = await runMigrate({ ...masterEnv(), SHOP_DATABASE_PASSWORD: "not-the-password" });
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/^migrations failed: .*password authentication failed for user "master"\n$/);
    }, 120_000);

    it("lets each role use its own domain's tables only: PostgreSQL refuses the rest", async () => {
        // The catalog cannot read accounts, nor orders.
        expect(await asRole("catalog", "shop", (c) => refusal(c.query("SELECT email, password_hash FROM users")))).toBe("42501");
        expect(await asRole("catalog", "shop", (c) => refusal(c.query("SELECT * FROM orders")))).toBe("42501");
        expect(await asRole("catalog", "shop", (c) => refusal(c.query("SELECT count(*) FROM products")))).toBe("allowed");
        // Orders cannot take stock themselves, nor read accounts.
        expect(await asRole("orders", "shop", (c) => refusal(c.query("UPDATE products SET stock = stock - 1 WHERE id = 1")))).toBe("42501");
        expect(await asRole("orders", "shop", (c) => refusal(c.query("SELECT * FROM stock_reservations")))).toBe("42501");
        expect(await asRole("orders", "shop", (c) => refusal(c.query("SELECT * FROM users")))).toBe("42501");
        expect(await asRole("orders", "shop", (c) => refusal(c.query("SELECT count(*) FROM payments")))).toBe("allowed");
        // Users cannot read orders; comments cannot write products; no role runs DDL.
        expect(await asRole("users", "shop", (c) => refusal(c.query("SELECT * FROM orders")))).toBe("42501");
        expect(await asRole("users", "shop", (c) => refusal(c.query("CREATE TABLE stolen (x int)")))).toBe("42501");
        expect(await asRole("catalog", "shop", (c) => refusal(c.query("DROP TABLE users")))).toBe("42501");
        expect(await asRole("comments", "comments", (c) => refusal(c.query("SELECT count(*) FROM comments")))).toBe("allowed");
        expect(await asRole("comments", "shop", (c) => refusal(c.query("SELECT * FROM products")))).toBe("42501");
    }, 60_000);

    it("keeps an application process waiting, not migrating, until the schema is at its version", async () => {
        server.psql("postgres", "CREATE DATABASE later OWNER master;");
        const port = await freePort();
        const env = {
            SHOP_DATABASE_URL: url("master", "later"),
            SHOP_DATABASE_PASSWORD: masterPassword,
            SHOP_MODULES: "catalog",
            SHOP_MIGRATIONS: "external",
            SHOP_LOG_LEVEL: "warn",
            PORT: String(port),
            SHOP_METRICS_PORT: String(await freePort()),
        };
        const shop = spawnShop(env);
        try {
            let ready: { status: number; body: { schema?: string[] } } | undefined;
            for (const deadline = Date.now() + 60_000; !ready;) {
                const answer = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
                if (answer) ready = { status: answer.status, body: await answer.json() };
                else if (Date.now() > deadline) throw new Error(`the process did not answer: ${shop.output()}`);
                else await new Promise((resolve) => setTimeout(resolve, 200));
            }
            expect(ready).toEqual({
                status: 503,
                body: { status: "unavailable", schema: ["the catalog schema is at version 0, this code needs 2: the migrations have not run yet"] },
            });
            // It ran no DDL: the database is as empty as it was.
            expect(server.psql("later", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").trim()).toBe("0");
            expect(
                (await runMigrate({ SHOP_DATABASE_URL: url("master", "later"), SHOP_DATABASE_PASSWORD: masterPassword, SHOP_MODULES: "catalog" })).code,
            ).toBe(0);
            expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
        } finally {
            shop.child.kill("SIGTERM");
            await shop.exited;
        }
    }, 120_000);

    it("serves the customer's whole path with every service in its own process, signed in as its own role", async () => {
        const common = { SHOP_MIGRATIONS: "external", SHOP_REDIS_URL: redis.url };
        // Stage 13's layout (stacks/service-layout.ts): the catalog service (with search and comments), users, orders, cart, and the gateway with the storefront.
        const catalog = await startShopProcess({ ...common, SHOP_MODULES: "catalog,search,comments", ...roleEnv("catalog", true), ...roleEnv("comments") });
        const users = await startShopProcess({ ...common, SHOP_MODULES: "users", ...roleEnv("users", true) });
        const orders = await startShopProcess({
            ...common,
            SHOP_MODULES: "orders,payments",
            ...roleEnv("orders", true),
            SHOP_SERVICE_URL_CATALOG: catalog.url,
        });
        // The cart lives in Redis: its service opens no database at all.
        const cart = await startShopProcess({ ...common, SHOP_MODULES: "cart", SHOP_SERVICE_URL_CATALOG: catalog.url });
        processes.push(catalog, users, orders, cart);
        services = { catalog, users, orders, cart };
        gateway = await startShopProcess({
            ...common,
            SHOP_MODULES: "gateway,web",
            // The storefront's pages ask the services: it owns no database. Given one that leads nowhere, it would not be
            // ready (nor serve a page) if it opened it.
            SHOP_DATABASE_URL: `postgres://nobody@127.0.0.1:${await freePort()}/nowhere`,
            SHOP_SERVICE_URL_CATALOG: catalog.url,
            SHOP_SERVICE_URL_SEARCH: catalog.url,
            SHOP_SERVICE_URL_COMMENTS: catalog.url,
            SHOP_SERVICE_URL_USERS: users.url,
            SHOP_SERVICE_URL_ORDERS: orders.url,
            SHOP_SERVICE_URL_CART: cart.url,
        });
        processes.push(gateway);
        const stockOf = (id: number) => Number(server.psql("shop", `SELECT stock FROM products WHERE id = ${id}`).trim());
        const before = stockOf(7);

        // Browse and search.
        const visitor = await new ShopClient(gateway.url).open();
        expect((await visitor.request("GET", "/")).status).toBe(200);
        expect((await visitor.request("GET", "/api/products/7")).data.id).toBe(7);
        expect((await visitor.request("GET", "/api/search?q=kettle")).data.total).toBeGreaterThan(0);
        // An account (users service), then signed out and in again.
        await visitor.register("boundaries@example.com", "Bea Boundary");
        expect((await visitor.request("DELETE", "/api/session")).status).toBeLessThan(300);
        await visitor.open();
        const signedIn = await visitor.request("POST", "/api/session", { json: { email: "boundaries@example.com", password: "correct horse battery" } });
        expect(signedIn.status).toBe(200);
        visitor.csrfToken = signedIn.data.csrfToken;
        // The cart (cart service), and a checkout with an address (orders service, which reserves stock through the catalog service).
        expect((await visitor.request("POST", "/api/cart/items", { json: { productId: 7, quantity: 2 } })).status).toBeLessThan(300);
        const address = { name: "Bea Boundary", street: "1 Quay Street", city: "Galway", postalCode: "H91 X2Y", country: "ie" };
        const order = await visitor.request("POST", "/api/checkout", { headers: { "idempotency-key": "boundaries-order-1" }, json: { address } });
        expect(order.status).toBe(200);
        expect(order.data).toMatchObject({ status: "paid", shippingAddress: { ...address, country: "IE" }, items: [{ productId: 7, quantity: 2 }] });
        // The order is visible, through the API and on the storefront's page.
        expect((await visitor.request("GET", "/api/orders")).data.map((o: { id: number }) => o.id)).toEqual([order.data.id]);
        const page = await visitor.request("GET", "/orders");
        expect(page.status).toBe(200);
        expect(page.data).toContain(`#${order.data.id}`);
        // The catalog took the stock, once, under the order's key; the cart is empty.
        expect(stockOf(7)).toBe(before - 2);
        expect(server.psql("shop", "SELECT order_key || ' ' || quantity FROM stock_reservations").trim()).toBe(`order:${order.data.id} 2`);
        expect((await visitor.request("GET", "/api/cart")).data.items ?? []).toEqual([]);
        // The same checkout again takes nothing more.
        expect((await visitor.request("POST", "/api/checkout", { headers: { "idempotency-key": "boundaries-order-1" }, json: { address } })).data.id).toBe(
            order.data.id,
        );
        expect(stockOf(7)).toBe(before - 2);
    }, 240_000);

    it("refuses the catalog's stock routes to a caller that is not one of the shop's processes", async () => {
        const catalog = services.catalog;
        const forged = await fetch(`${catalog.url}/internal/stock/reservations/order:999`, {
            method: "PUT",
            headers: { "content-type": "application/json", "x-shop-internal-signature": "guessed" },
            body: JSON.stringify({ lines: [{ productId: 8, quantity: 1 }] }),
        });
        expect(forged.status).toBe(403);
        expect(server.psql("shop", "SELECT count(*) FROM stock_reservations WHERE order_key = 'order:999'").trim()).toBe("0");
    });

    it("refuses the users service's internal routes to a caller that is not one of the shop's processes, and the gateway does not forward them", async () => {
        const body = JSON.stringify({ email: "boundaries@example.com", password: "correct horse battery" });
        const call = (url: string, headers: Record<string, string> = {}) =>
            fetch(`${url}/internal/users/authentication`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
        expect((await call(services.users.url)).status).toBe(403);
        expect((await call(services.users.url, { "x-shop-internal-signature": "guessed" })).status).toBe(403);
        // Signed with another stack's secret.
        const otherSecret = internalSignature("not-this-stack-secret-0123456789abcdef", "POST", "/internal/users/authentication");
        expect((await call(services.users.url, { "x-shop-internal-signature": otherSecret })).status).toBe(403);
        const signed = internalSignature("shared-secret-of-every-instance-0123456789", "POST", "/internal/users/authentication");
        expect(await (await call(services.users.url, { "x-shop-internal-signature": signed })).json()).toMatchObject({ email: "boundaries@example.com" });
        // The gateway forwards only the API: a visitor cannot reach the route through it, signature or not.
        const throughGateway = await call(gateway.url, { "x-shop-internal-signature": signed });
        expect(throughGateway.status).toBeGreaterThanOrEqual(400);
        expect(await throughGateway.text()).not.toContain("boundaries@example.com");
    });

    it("walks the customer's whole path in the storefront's pages, each page's data from its service", async () => {
        const shopper = new ShopClient(gateway.url);
        /** A page, and the CSRF token of its forms. */
        const open = async (path: string, status = 200) => {
            const page = await shopper.request("GET", path, { headers: { accept: "text/html" } });
            expect([path, page.status]).toEqual([path, status]);
            shopper.csrfToken = (page.data as string).match(/name="_csrf" value="([^"]+)"/)?.[1] ?? shopper.csrfToken;
            return page.data as string;
        };
        const post = (path: string, form: Record<string, string>) =>
            shopper.request("POST", path, { form: { _csrf: shopper.csrfToken, ...form }, headers: { accept: "text/html" }, csrf: false });
        const productName = (id: number) => server.psql("shop", `SELECT name FROM products WHERE id = ${id}`).trim();
        const escaped = (text: string) => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

        // Browse (the catalog service) and search (its search).
        const home = await open("/");
        const slug = home.match(/href="\/categories\/([a-z0-9-]+)"/)![1];
        expect(await open(`/categories/${slug}`)).toContain('class="grid"');
        expect(await open("/search?q=kettle")).toMatch(/data-test="search-total">\s*[1-9]/);
        const product = await open("/products/8");
        expect(product).toContain(escaped(productName(8)));
        expect(product).toContain('id="reviews"');

        // An account (the users service's internal routes), a wrong password refused as in process, then signed in.
        await open("/register");
        expect((await post("/register", { email: "pages@example.com", name: "Page Turner", password: "correct horse battery", next: "/" })).status).toBe(303);
        expect(await open("/")).toContain("Page Turner");
        expect((await post("/logout", {})).status).toBe(303);
        await open("/login");
        const taken = await post("/register", { email: "pages@example.com", name: "Again", password: "correct horse battery" });
        expect([taken.status, taken.data]).toEqual([409, expect.stringContaining("Not registered: an account with this email exists already.")]);
        const wrong = await post("/login", { email: "pages@example.com", password: "not the password" });
        expect([wrong.status, wrong.data]).toEqual([401, expect.stringContaining("Not signed in: wrong email or password.")]);
        expect((await post("/login", { email: "pages@example.com", password: "correct horse battery", next: "/cart" })).status).toBe(303);
        await open("/cart");

        // A review (the comments service, as the visitor), once.
        expect((await post("/products/8/comments", { rating: "4", body: "Reviewed through the pages." })).status).toBe(303);
        expect(await open("/products/8?reviewed=1")).toContain("Reviewed through the pages.");
        expect((await post("/products/8/comments", { rating: "2", body: "Again." })).status).toBe(409);

        // The cart: the catalog service says how much is left.
        server.psql("shop", "UPDATE products SET stock = 1 WHERE id = 9");
        const tooMany = await post("/cart/add", { productId: "9", quantity: "2" });
        expect([tooMany.status, tooMany.data]).toEqual([409, expect.stringContaining(`Not added: only 1 of ${escaped(productName(9))} left.`)]);
        expect((await post("/cart/add", { productId: "8", quantity: "1" })).status).toBe(303);
        expect(await open("/cart")).toContain('data-test="cart-line"');

        // Checkout: a refusal of the orders service (the stock went meanwhile) on the page as in process, then the order.
        const address = { name: "Page Turner", street: "2 Dock Road", city: "Cork", postalCode: "T12 AB34", country: "IE" };
        await open("/checkout");
        const stock = server.psql("shop", "SELECT stock FROM products WHERE id = 8").trim();
        server.psql("shop", "UPDATE products SET stock = 0 WHERE id = 8");
        const refused = await post("/checkout", { idempotencyKey: "pages-order-refused", ...address });
        expect([refused.status, refused.data]).toEqual([409, expect.stringContaining("Your order was not placed:")]);
        server.psql("shop", `UPDATE products SET stock = ${stock} WHERE id = 8`);
        const badAddress = await post("/checkout", { idempotencyKey: "pages-order-1", ...address, country: "I" });
        expect(badAddress.status).toBe(400);
        const placed = await post("/checkout", { idempotencyKey: "pages-order-1", ...address });
        expect(placed.status).toBe(303);
        const orderPath = placed.headers.get("location")!;
        expect(orderPath).toMatch(/^\/orders\/\d+\?placed=1$/);
        const orderPage = await open(orderPath);
        expect(orderPage).toContain("Thank you: your order is placed and paid.");
        expect(orderPage).toContain("2 Dock Road");
        const id = orderPath.match(/\d+/)![0];
        expect(await open("/orders")).toContain(`#${id}`);
        expect(server.psql("shop", `SELECT status FROM orders WHERE id = ${id}`).trim()).toBe("paid");
    }, 120_000);

    it("answers the storefront's 503 page naming a service that is down, never a 500", async () => {
        const shopper = new ShopClient(gateway.url);
        const page = await shopper.request("GET", "/login", { headers: { accept: "text/html" } });
        shopper.csrfToken = (page.data as string).match(/name="_csrf" value="([^"]+)"/)![1];
        await services.users.stop();
        const signIn = await shopper.request("POST", "/login", {
            form: { _csrf: shopper.csrfToken, email: "pages@example.com", password: "correct horse battery" },
            headers: { accept: "text/html" },
            csrf: false,
        });
        expect(signIn.status).toBe(503);
        expect(signIn.headers.get("content-type")).toContain("text/html");
        expect(signIn.data).toContain("The users service is unavailable for a moment; please try again.");
        expect(signIn.data).not.toMatch(/at .*\.ts:\d+/);
        // The pages of the services still up still answer.
        expect((await shopper.request("GET", "/products/8", { headers: { accept: "text/html" } })).status).toBe(200);
    }, 60_000);
});
