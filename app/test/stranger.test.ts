/**
 * The shop under a stranger's hands (issue 17), on a real PostgreSQL server: every bad
 * input is answered cleanly (4xx, never a 5xx or a stack trace), as a page to a browser and
 * as JSON to an API client; no bypass of the sign-in limit; no leak through headers, cookies
 * or logs.
 */
import { Writable } from "node:stream";
import { pgliteDatabase } from "../src/db/database";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RunningShop, ShopClient, startShop } from "./support/shop";

const browser = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

/** Log lines the shop writes, parsed. */
class LogCapture extends Writable {
    lines: Record<string, unknown>[] = [];
    _write(chunk: Buffer, _encoding: string, done: () => void) {
        for (const line of chunk.toString().split("\n").filter(Boolean)) this.lines.push(JSON.parse(line));
        done();
    }
}

describe("the shop under a stranger's hands", () => {
    let server: PostgresServer;
    let shop: RunningShop;
    let trusting: RunningShop;
    const log = new LogCapture();
    const trustingLog = new LogCapture();
    let emails = 0;
    const email = () => `stranger${++emails}@example.com`;
    const client = () => new ShopClient(shop.url).open();

    beforeAll(async () => {
        server = await startPostgres();
        const database = await server.createDatabase("shop");
        shop = await startShop({ SHOP_DATABASE_URL: database, SHOP_LOG_LEVEL: "info" }, { logStream: log });
        trusting = await startShop({ SHOP_DATABASE_URL: database, SHOP_LOG_LEVEL: "info", SHOP_TRUSTED_PROXIES: "127.0.0.1" }, { logStream: trustingLog });
    });
    afterAll(async () => {
        await shop?.close();
        await trusting?.close();
        await server?.stop();
    });

    describe("control characters", () => {
        it("are refused with a 400 naming the field, in every text input, as JSON and as a page", async () => {
            const c = await client();
            const cases: [string, string, Record<string, unknown> | undefined, string][] = [
                ["GET", "/api/search?q=a%00b", undefined, "q"],
                ["POST", "/api/users", { email: email(), name: "Nul\u0000Name", password: "correct horse battery" }, "name"],
                ["POST", "/api/session", { email: "nul\u0000@example.com", password: "correct horse battery" }, "email"],
            ];
            for (const [method, path, json, field] of cases) {
                const response = await c.request(method, path, { json });
                expect([path, response.status]).toEqual([path, 400]);
                expect(response.data.error).toBe(`${field} must not contain control characters`);
            }
            const page = await c.request("GET", "/search?q=a%00b", { headers: browser });
            expect(page.status).toBe(400);
            expect(page.headers.get("content-type")).toContain("text/html");
            expect(page.data).toContain("Q must not contain control characters.");

            await c.register(email(), "Reviewer");
            const review = await c.request("POST", "/api/products/4/comments", { json: { rating: 4, body: "Good\u0000" } });
            expect(review.status).toBe(400);
            expect(review.data.error).toBe("body must not contain control characters");
            // A review may have several lines.
            expect((await c.request("POST", "/api/products/4/comments", { json: { rating: 4, body: "Good.\nSturdy, too." } })).status).toBe(201);
        });

        it("in `next` refuse the registration before an account is made, and never split a header", async () => {
            const c = await client();
            const address = email();
            const response = await c.request("POST", "/register", {
                form: { _csrf: c.csrfToken, email: address, name: "Cr Lf", password: "correct horse battery", next: "/\r\nSet-Cookie: x=1" },
                csrf: false,
                headers: browser,
            });
            expect(response.status).toBe(400);
            expect(response.data).toContain("next must not contain control characters");
            expect(server.psql("shop", `SELECT count(*) FROM users WHERE email = '${address}'`).trim()).toBe("0");
        });
    });

    describe("redirects", () => {
        it.each(["/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/", "/%2F/evil.example", "/%5Cevil.example"])(
            "go to this site only: next=%s never leads off the site",
            async (next) => {
                const c = await client();
                const address = email();
                await (await client()).register(address);
                const form = await c.request("GET", `/login?next=${encodeURIComponent(decodeURIComponent(next))}`, { headers: browser });
                expect(form.data).toContain('name="next" value="/"');
                const signedIn = await c.request("POST", "/login", {
                    form: { _csrf: c.csrfToken, email: address, password: "correct horse battery", next: decodeURIComponent(next) },
                    csrf: false,
                    headers: browser,
                });
                // A tab is refused as a control character (400, the form again); anything else lands at home.
                expect(signedIn.headers.get("location") ?? "no redirect").toBe(/\t/.test(decodeURIComponent(next)) ? "no redirect" : "/");
                expect(signedIn.status).toBe(/\t/.test(decodeURIComponent(next)) ? 400 : 303);
            },
        );

        it("keep a path of this site with its query", async () => {
            const c = await client();
            const address = email();
            await (await client()).register(address);
            const signedIn = await c.request("POST", "/login", {
                form: { _csrf: c.csrfToken, email: address, password: "correct horse battery", next: "/products/7?from=mail" },
                csrf: false,
            });
            expect(signedIn.headers.get("location")).toBe("/products/7?from=mail");
        });
    });

    describe("one error handler", () => {
        it.each<[string, string, number, Record<string, unknown> | undefined]>([
            ["a bad id", "/products/abc", 400, undefined],
            ["an id of 0", "/orders/0", 400, undefined],
            ["page 0", "/categories/kitchen?page=0", 400, undefined],
            ["an unknown route", "/no/such/page", 404, undefined],
        ])("answers %s as a page to a browser and as JSON to an API client, with the same status and message", async (_, path, status) => {
            const c = await client();
            const asJson = await c.request("GET", path);
            const asPage = await c.request("GET", path, { headers: browser });
            expect([asJson.status, asPage.status]).toEqual([status, status]);
            expect(asJson.headers.get("content-type")).toContain("application/json");
            expect(asPage.headers.get("content-type")).toContain("text/html");
            expect(asPage.data).toContain("<!doctype html>");
            const message = asJson.data.error as string;
            expect(asPage.data).toContain(message.charAt(0).toUpperCase() + message.slice(1).replace(/'/g, "&#39;"));
        });

        it("answers a CSRF failure, an oversized body and the sign-in lockout as pages to a browser", async () => {
            const c = await client();
            const csrf = await c.request("POST", "/cart/add", { form: { productId: "1", quantity: "1" }, csrf: false, headers: browser });
            expect(csrf.status).toBe(403);
            expect(csrf.data).toContain("<!doctype html>");
            expect(csrf.data).toContain("reload the page");
            const huge = await c.request("POST", "/cart/add", {
                form: { _csrf: c.csrfToken, productId: "1", padding: "x".repeat(200_000) },
                csrf: false,
                headers: browser,
            });
            expect(huge.status).toBe(413);
            expect(huge.data).toContain("<!doctype html>");

            const address = email();
            await (await client()).register(address);
            const guesser = await new ShopClient(trusting.url).open();
            let last = { status: 0, data: "" as unknown };
            for (let i = 0; i < 11; i++)
                last = await guesser.request("POST", "/login", {
                    form: { _csrf: guesser.csrfToken, email: address, password: `guess ${i} guess` },
                    csrf: false,
                    headers: { ...browser, "x-forwarded-for": "192.0.2.55" },
                });
            expect(last.status).toBe(429);
            expect(last.data).toContain("<!doctype html>");
            expect(last.data).toContain("Too many failed sign-ins from this address");
        });

        it("answers no 5xx and no stack trace to any request of this suite", () => {
            const failures = [...log.lines, ...trustingLog.lines].filter((l) => l.msg === "request" && Number(l.status) >= 500);
            expect(failures).toEqual([]);
        });
    });

    describe("strict input types", () => {
        it.each<[string, unknown]>([
            ["hex text", "0x10"],
            ["an exponent", "1e1"],
            ["a boolean", true],
            ["an array", [3]],
            ["null", null],
            ["false", false],
            ["a fraction", 1.5],
        ])("refuse %s as a quantity, and leave the cart as it was", async (_, quantity) => {
            const c = await client();
            await c.request("POST", "/api/cart/items", { json: { productId: 11, quantity: 2 } });
            const response = await c.request("PUT", "/api/cart/items/11", { json: { quantity } });
            expect(response.status).toBe(400);
            expect(response.data.error).toBe("quantity must be a whole number");
            expect((await c.request("GET", "/api/cart")).data.lines).toEqual([expect.objectContaining({ productId: 11, quantity: 2 })]);
        });

        it("read decimal digits from URLs and forms, and nothing else", async () => {
            const c = await client();
            expect((await c.request("GET", "/api/products/0x10")).status).toBe(400);
            expect((await c.request("GET", "/api/products/1e1")).status).toBe(400);
            expect((await c.request("GET", "/api/products/16")).data.id).toBe(16);
            const hex = await c.request("POST", "/cart/add", { form: { _csrf: c.csrfToken, productId: "0x10", quantity: "1" }, csrf: false, headers: browser });
            expect(hex.status).toBe(400);
            const form = await c.request("POST", "/cart/add", { form: { _csrf: c.csrfToken, productId: "16", quantity: "2" }, csrf: false });
            expect(form.status).toBe(303);
            expect((await c.request("GET", "/api/cart")).data.lines).toEqual([expect.objectContaining({ productId: 16, quantity: 2 })]);
        });
    });

    describe("the cart", () => {
        it("refuses more than the stock, counting what is in the cart already", async () => {
            server.psql("shop", "UPDATE products SET stock = 3 WHERE id = 12");
            const c = await client();
            const tooMany = await c.request("POST", "/api/cart/items", { json: { productId: 12, quantity: 4 } });
            expect(tooMany.status).toBe(409);
            expect(tooMany.data.error).toMatch(/^only 3 of .* left$/);
            expect((await c.request("POST", "/api/cart/items", { json: { productId: 12, quantity: 2 } })).status).toBe(200);
            const more = await c.request("POST", "/api/cart/items", { json: { productId: 12, quantity: 2 } });
            expect(more.status).toBe(409);
            expect(more.data.error).toContain("2 are in your cart already");
        });

        it("holds at most 50 different products", async () => {
            const c = await client();
            const inStock = server.psql("shop", "SELECT id FROM products WHERE stock > 0 ORDER BY id LIMIT 52").trim().split("\n").map(Number);
            const statuses: number[] = [];
            for (const id of inStock) statuses.push((await c.request("POST", "/api/cart/items", { json: { productId: id, quantity: 1 } })).status);
            expect(statuses.slice(0, 50)).toEqual(Array(50).fill(200));
            expect(statuses.slice(50)).toEqual([409, 409]);
            expect((await c.request("GET", "/api/cart")).data.lines).toHaveLength(50);
        });
    });

    describe("headers", () => {
        it("send no-store on personal responses, and let the stylesheet be cached", async () => {
            const c = await client();
            await c.register(email());
            for (const path of ["/cart", "/orders", "/api/session", "/api/cart", "/api/orders"])
                expect([path, (await c.request("GET", path)).headers.get("cache-control")]).toEqual([path, "no-store"]);
            expect((await c.request("GET", "/static/shop.css")).headers.get("cache-control")).toBe("public, max-age=3600");
        });

        it("set a session cookie only where a session is used: not on the stylesheet, health, metrics or the public catalog API", async () => {
            const publicReads = [`${shop.url}/api/products/1`, `${shop.url}/api/products?page=2`, `${shop.url}/api/categories`];
            for (const url of [`${shop.url}/static/shop.css`, `${shop.url}/healthz`, `${shop.url}/readyz`, shop.metricsUrl, ...publicReads]) {
                const response = await fetch(url);
                expect([url, response.status, response.headers.getSetCookie()]).toEqual([url, 200, []]);
            }
            expect((await fetch(`${shop.url}/api/session`)).headers.getSetCookie()).toHaveLength(1);
        });

        it("keep the CSP without upgrade-insecure-requests, so that plain HTTP under any host name works", async () => {
            const csp = (await fetch(`${shop.url}/`)).headers.get("content-security-policy") ?? "";
            expect(csp).toContain("default-src 'self'");
            expect(csp).not.toContain("upgrade-insecure-requests");
        });
    });

    describe("logs", () => {
        it("keep a client's request id only when short and plain", async () => {
            await fetch(`${shop.url}/api/categories?long-id`, { headers: { "x-request-id": "x".repeat(3000) } });
            await fetch(`${shop.url}/api/categories?plain-id`, { headers: { "x-request-id": "edge-1234.abcd" } });
            const long = log.lines.find((l) => l.url === "/api/categories?long-id")!;
            expect(String(long.reqId).length).toBeLessThanOrEqual(64);
            expect(long.reqId).not.toContain("xxxx");
            expect(log.lines.find((l) => l.url === "/api/categories?plain-id")!.reqId).toBe("edge-1234.abcd");
        });

        it("never carry the parameters of a failed query", async () => {
            const db = await pgliteDatabase();
            try {
                const error = await db.query("INSERT INTO nowhere VALUES ($1, $2)", ["leak@example.com", "scrypt$16384$8$1$secret"]).catch((err: Error) => err);
                expect(JSON.stringify(error)).toContain("scrypt$16384"); // the error itself carries them
                shop.app.log.error({ err: error }, "request failed");
                const line = JSON.stringify(log.lines.at(-1));
                expect(line).toContain("request failed");
                expect(line).not.toContain("scrypt$16384");
                expect(line).not.toContain("leak@example.com");
            } finally {
                await db.close();
            }
        });
    });

    describe("sign-in", () => {
        it("computes a password hash for an unknown email too, so that its refusal takes as long", async () => {
            // node:crypto's own module object, which the shop's modules call into (an import would give this file a copy of it).
            const crypto: typeof import("node:crypto") = jest.requireActual("node:crypto");
            const c = await client();
            const scrypt = jest.spyOn(crypto, "scrypt");
            try {
                const response = await c.request("POST", "/api/session", { json: { email: "nobody-here@example.com", password: "correct horse battery" } });
                expect(response.status).toBe(401);
                // The typed password hashed with the cost of a stored one, against a stand-in (whose own hash may be made first).
                expect(scrypt.mock.calls.at(-1)?.slice(0, 1)).toEqual(["correct horse battery"]);
                expect(scrypt.mock.calls.at(-1)?.[3]).toMatchObject({ N: 16384, r: 8, p: 1 });
            } finally {
                scrypt.mockRestore();
            }
        });
    });
    // Last: it locks the test's own address out of signing in.
    describe("the client's address", () => {
        it("is the peer's unless it is a trusted proxy: rotating X-Forwarded-For gives no fresh sign-in attempts", async () => {
            const owner = await client();
            const address = email();
            await owner.register(address);
            const statuses: number[] = [];
            for (let i = 0; i < 12; i++) {
                const guesser = await client();
                const response = await guesser.request("POST", "/api/session", {
                    json: { email: address, password: `guess number ${i}` },
                    headers: { "x-forwarded-for": `198.51.100.${i}` },
                });
                statuses.push(response.status);
            }
            expect(statuses.slice(10)).toEqual([429, 429]);
            const lines = log.lines.filter((l) => l.msg === "request" && l.url === "/api/session" && l.method === "POST");
            expect(lines.length).toBeGreaterThanOrEqual(12);
            expect(lines.every((l) => l.client === "127.0.0.1")).toBe(true);
        });

        it("is taken from X-Forwarded-For when the peer is in SHOP_TRUSTED_PROXIES, and written in the request log", async () => {
            await fetch(`${trusting.url}/api/categories`, { headers: { "x-forwarded-for": "203.0.113.7" } });
            const line = trustingLog.lines.find((l) => l.msg === "request" && l.url === "/api/categories");
            expect(line).toMatchObject({ client: "203.0.113.7", status: 200 });
        });
    });
});
