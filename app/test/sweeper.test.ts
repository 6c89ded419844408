/**
 * The checkout sweeper on a real PostgreSQL server: a checkout cut mid-saga (here by a
 * payment provider that is down) stays `reserving` holding stock; once it is stale, a sweep
 * finishes it as a retry would, once, under a lease that one instance holds at a time.
 */
import { Unavailable } from "../src/http/unavailable";
import { FakePaymentProvider, PaymentProvider } from "../src/modules/orders/payments";
import { CheckoutSweeper } from "../src/modules/orders/sweeper";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RunningShop, ShopClient, startShop } from "./support/shop";

describe("the checkout sweeper", () => {
    let server: PostgresServer;
    let shop: RunningShop;
    let mode: "down" | "up" | "decline" = "up";

    beforeAll(async () => {
        server = await startPostgres();
        const payments: PaymentProvider = {
            charge: async (request) => {
                if (mode === "down") throw new Unavailable("the payment provider");
                return new FakePaymentProvider(shop.stores.orders, mode === "decline" ? 0 : undefined).charge(request);
            },
        };
        shop = await startShop({ SHOP_DATABASE_URL: await server.createDatabase("shop") }, { payments });
        server.psql("shop", "UPDATE products SET stock = 50 WHERE id IN (31, 32, 33)");
    });
    afterAll(async () => {
        await shop?.close();
        await server?.stop();
    });

    const stockOf = (id: number) => Number(server.psql("shop", `SELECT stock FROM products WHERE id = ${id}`).trim());
    const statusOf = (key: string) => server.psql("shop", `SELECT status FROM orders WHERE idempotency_key = '${key}'`).trim();
    const charges = (key: string) =>
        Number(server.psql("shop", `SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.idempotency_key = '${key}'`).trim());

    /** A checkout cut after its stock was reserved: the provider is down, the client answered 503 and never retries. */
    async function abandonedCheckout(key: string, productId: number, quantity: number): Promise<void> {
        const buyer = await new ShopClient(shop.url).open();
        await buyer.register(`${key}@example.com`);
        await buyer.request("POST", "/api/cart/items", { json: { productId, quantity } });
        mode = "down";
        const response = await buyer.request("POST", "/api/checkout", { headers: { "idempotency-key": key } });
        mode = "up";
        expect(response.status).toBe(503);
        expect(response.headers.get("retry-after")).toBeTruthy();
        expect(statusOf(key)).toBe("reserving");
    }

    const age = (key: string) => server.psql("shop", `UPDATE orders SET updated_at = now() - interval '10 minutes' WHERE idempotency_key = '${key}'`);

    it("leaves a fresh checkout alone, and finishes a stale one once: paid, its stock taken once", async () => {
        const before = stockOf(31);
        await abandonedCheckout("sweep-paid", 31, 2);
        expect(stockOf(31)).toBe(before - 2);
        expect(await shop.app.checkoutSweeper.sweep()).toEqual([]);
        age("sweep-paid");
        const finished = await shop.app.checkoutSweeper.sweep();
        expect(finished).toHaveLength(1);
        expect(statusOf("sweep-paid")).toBe("paid");
        expect(charges("sweep-paid")).toBe(1);
        expect(stockOf(31)).toBe(before - 2);
        // Idempotent: a second sweep finds nothing to do.
        expect(await shop.app.checkoutSweeper.sweep()).toEqual([]);
        expect(charges("sweep-paid")).toBe(1);
    });

    it("returns the stock of a stale checkout whose payment is declined", async () => {
        const before = stockOf(32);
        await abandonedCheckout("sweep-declined", 32, 3);
        age("sweep-declined");
        mode = "decline";
        try {
            expect(await shop.app.checkoutSweeper.sweep()).toHaveLength(1);
        } finally {
            mode = "up";
        }
        expect(statusOf("sweep-declined")).toBe("payment_failed");
        expect(stockOf(32)).toBe(before);
        expect(Number(server.psql("shop", "SELECT count(*) FROM stock_reservations WHERE product_id = 32").trim())).toBe(0);
    });

    it("sweeps on one instance at a time: the others find the lease taken", async () => {
        await abandonedCheckout("sweep-leased", 33, 1);
        age("sweep-leased");
        // A sweep releases its lease when it ends, so a sweeper scheduled after the winner has
        // finished may rightly take it again. The winner's work waits until every sweeper has
        // either entered its own work (only if the lease failed) or returned, so each tries for
        // the lease while it is held.
        const orders = shop.app.shop.orders;
        let entered = 0;
        let settled = 0;
        let open: () => void = () => {};
        const allTried = new Promise<void>((resolve) => (open = resolve));
        const tried = () => entered + settled === sweepers.length && open();
        const gated: typeof orders = Object.create(orders);
        gated.resume = async (id) => {
            entered++;
            tried();
            await allTried;
            return orders.resume(id);
        };
        const sweepers = Array.from({ length: 4 }, () => new CheckoutSweeper(shop.stores.orders, gated));
        const results = await Promise.all(
            sweepers.map((s) =>
                s.sweep().finally(() => {
                    settled++;
                    tried();
                }),
            ),
        );
        expect(results.filter((r) => r !== undefined)).toHaveLength(1);
        expect(results.find((r) => r !== undefined)).toHaveLength(1);
        expect(statusOf("sweep-leased")).toBe("paid");
        expect(charges("sweep-leased")).toBe(1);
    });
});
