/**
 * The stage proof's shopper journey (tools/shopper-journey.ts) against a real shop on real
 * PostgreSQL: it must pass where the shop works and name the step where it does not.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { shopperJourney } from "../../tools/shopper-journey";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RunningShop, startShop } from "./support/shop";

describe("the stage proof's journey", () => {
    let server: PostgresServer;
    let shop: RunningShop;

    beforeAll(async () => {
        server = await startPostgres();
        shop = await startShop({ SHOP_DATABASE_URL: await server.createDatabase("shop") });
    });
    afterAll(async () => {
        await shop?.close();
        await server?.stop();
    });

    it("browses, signs up, fills a cart and checks out with an address, and the order is in the database", async () => {
        const result = await shopperJourney(shop.url, { waitSeconds: 30, pollMs: 200 });
        expect(result.failure).toBeUndefined();
        expect(result.ok).toBe(true);
        expect(result.steps.map((s) => s.step)).toEqual([
            "home page",
            "browse products",
            "product page",
            "open session",
            "sign up",
            "add to cart",
            "view cart",
            "check out",
            "read the order",
        ]);
        expect(server.psql("shop", "SELECT shipping_address->>'city' FROM orders o JOIN users u ON u.id = o.user_id WHERE u.email LIKE 'proof-%'").trim()).toBe(
            "Dublin",
        );
    });

    it("names the step that failed: an entry never ready, and a checkout refused", async () => {
        const closed = await shopperJourney("http://127.0.0.1:9", { waitSeconds: 1, pollMs: 200 });
        expect(closed.ok).toBe(false);
        expect(closed.failure).toMatch(/^ready: not within 1 s/);

        // The shop's entry, except that every checkout fails as a broken payment tier would.
        const proxy = http.createServer((req, res) => {
            if (req.url === "/api/checkout") {
                res.writeHead(503, { "content-type": "application/json" }).end('{"error":"payments unavailable"}');
                return;
            }
            const upstream = http.request(`${shop.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
            });
            req.pipe(upstream);
        });
        await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
        try {
            const refused = await shopperJourney(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, { waitSeconds: 10, pollMs: 200 });
            expect(refused.ok).toBe(false);
            expect(refused.failure).toBe('check out: answered 503 {"error":"payments unavailable"}');
        } finally {
            await new Promise((resolve) => proxy.close(resolve));
        }
    });
});
