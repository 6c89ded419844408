/**
 * The small things a shopper notices (issue 17), on a real PostgreSQL server: the shipping
 * address, an honest order history, forms that keep what was typed, pages that exist, one
 * review each, reviews that agree with their stars, a cart that outlives a sign-out, and
 * numbers and names as a person reads them.
 */
import { money } from "../src/http/html";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RunningShop, ShopClient, startShop } from "./support/shop";

const address = { name: "Mei Lin", street: "12 Harbour Road", city: "Cork", postalCode: "T12 X2Y", country: "ie" };

describe("what a shopper notices", () => {
    let server: PostgresServer;
    let shop: RunningShop;
    let emails = 0;
    const email = () => `shopper${++emails}@example.com`;
    const client = () => new ShopClient(shop.url).open();

    beforeAll(async () => {
        server = await startPostgres();
        shop = await startShop({ SHOP_DATABASE_URL: await server.createDatabase("shop") });
    });
    afterAll(async () => {
        await shop?.close();
        await server?.stop();
    });

    it("ships to a validated address, stored with the order", async () => {
        const c = await client();
        await c.register(email());
        await c.request("POST", "/api/cart/items", { json: { productId: 2, quantity: 1 } });
        const nowhere = await c.request("POST", "/api/checkout", {
            json: { address: { ...address, country: "XX" } },
            headers: { "idempotency-key": "address-0001" },
        });
        expect(nowhere.status).toBe(400);
        expect(nowhere.data.error).toContain("country must be a two-letter ISO 3166 country code");
        const missing = await c.request("POST", "/api/checkout", {
            json: { address: { ...address, city: "" } },
            headers: { "idempotency-key": "address-0002" },
        });
        expect(missing.status).toBe(400);
        expect(missing.data.error).toBe("address.city must not be empty");
        const placed = await c.request("POST", "/api/checkout", { json: { address }, headers: { "idempotency-key": "address-0003" } });
        expect(placed.status).toBe(200);
        expect(placed.data.shippingAddress).toEqual({ ...address, country: "IE" });
        expect(server.psql("shop", "SELECT shipping_address->>'country' FROM orders WHERE idempotency_key = 'address-0003'").trim()).toBe("IE");
        expect(server.psql("shop", "SELECT count(*) FROM orders WHERE idempotency_key IN ('address-0001', 'address-0002')").trim()).toBe("0");
    });

    it("keeps a checkout that was not placed out of the order history", async () => {
        server.psql("shop", "UPDATE products SET stock = 10 WHERE id = 5");
        const c = await client();
        await c.register(email());
        await c.request("POST", "/api/cart/items", { json: { productId: 5, quantity: 3 } });
        server.psql("shop", "UPDATE products SET stock = 1 WHERE id = 5");
        await shop.app.shop.catalog.forget([5]);
        expect((await c.request("POST", "/api/checkout", { headers: { "idempotency-key": "not-placed-01" } })).status).toBe(409);
        const history = (await c.request("GET", "/orders")).data as string;
        expect(history).toContain("No orders yet.");
        expect(history).not.toContain("Not placed");
    });

    it("gives back what was typed, in plain words, when a form is refused", async () => {
        const c = await client();
        const address = email();
        const refused = await c.request("POST", "/register", { form: { _csrf: c.csrfToken, email: address, name: "Bo Berg", password: "short" }, csrf: false });
        expect(refused.status).toBe(400);
        expect(refused.data).toContain("password must have at least 10 characters");
        expect(refused.data).toContain('value="Bo Berg"');
        expect(refused.data).toContain(`value="${address}"`);
        expect(refused.data).not.toContain('value="short"');
    });

    it("answers a page past the last with 404 and the number of pages", async () => {
        const response = await (await client()).request("GET", "/categories/kitchen?page=99");
        expect(response.status).toBe(404);
        expect(response.data).toContain("Kitchen has 4 pages; there is no page 99.");
    });

    it("takes one review per user and product, and confirms it", async () => {
        const c = await client();
        await c.register(email(), "Once");
        const posted = await c.request("POST", "/products/6/comments", { form: { _csrf: c.csrfToken, rating: "5", body: "Lovely." }, csrf: false });
        expect(posted.status).toBe(303);
        expect(posted.headers.get("location")).toBe("/products/6?reviewed=1#reviews");
        expect((await c.request("GET", "/products/6?reviewed=1")).data).toContain("Thank you: your review is posted.");
        const again = await c.request("POST", "/api/products/6/comments", { json: { rating: 1, body: "Changed my mind." } });
        expect(again.status).toBe(409);
        expect(server.psql("shop", "SELECT count(*) FROM comments WHERE product_id = 6 AND author_name = 'Once'").trim()).toBe("1");
    });

    it("seeds reviews whose words agree with their stars", () => {
        const lowAndGlowing = server.psql(
            "shop",
            "SELECT count(*) FROM comments WHERE rating <= 2 AND (body LIKE 'Exactly as described%' OR body LIKE 'Good value%')",
        );
        const highAndReturned = server.psql("shop", "SELECT count(*) FROM comments WHERE rating >= 4 AND (body LIKE '%returned it%' OR body LIKE 'Broke%')");
        expect([lowAndGlowing.trim(), highAndReturned.trim()]).toEqual(["0", "0"]);
    });

    it("keeps the cart with the account across sign-out and sign-in, and counts it on the cart link", async () => {
        const c = await client();
        const address = email();
        await c.register(address);
        await c.request("POST", "/api/cart/items", { json: { productId: 8, quantity: 2 } });
        expect((await c.request("GET", "/")).data).toMatch(/data-test="cart-link"\s*>Cart <span class="count" aria-label="2 items">2<\/span>/);
        c.csrfToken = (await c.request("DELETE", "/api/session")).data.csrfToken;
        expect((await c.request("GET", "/api/cart")).data.lines).toEqual([]);
        const signedIn = await c.request("POST", "/api/session", { json: { email: address, password: "correct horse battery" } });
        expect(signedIn.status).toBe(200);
        expect((await c.request("GET", "/api/cart")).data.lines).toEqual([expect.objectContaining({ productId: 8, quantity: 2 })]);
    });

    it("writes money with thousands separators and names a product's category", async () => {
        expect(money(752301)).toBe("$7,523.01");
        expect(money(5)).toBe("$0.05");
        const product = (await (await client()).request("GET", "/products/1")).data as string;
        expect(product).toContain('<a href="/categories/kitchen">Kitchen</a>');
    });
});
