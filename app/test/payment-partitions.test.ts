/**
 * Payments partitioned by month on real PostgreSQL: the next months made ahead at start, a
 * charge landing in its month's partition, and a month made late taking its rows out of the
 * default partition.
 */
import { ensurePaymentPartitions } from "../src/db/payment-partitions";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RunningShop, ShopClient, startShop } from "./support/shop";

describe("payments by month", () => {
    let server: PostgresServer;
    let shop: RunningShop;
    const partitions = () =>
        server
            .psql(
                "shop",
                "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'payments'::regclass",
            )
            .trim()
            .split(",");
    const monthName = (offset: number) => {
        const d = new Date();
        const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1));
        return `payments_${m.getUTCFullYear()}_${String(m.getUTCMonth() + 1).padStart(2, "0")}`;
    };

    beforeAll(async () => {
        server = await startPostgres();
        shop = await startShop({ SHOP_DATABASE_URL: await server.createDatabase("shop") });
    }, 60_000);
    afterAll(async () => {
        await shop?.close();
        await server?.stop();
    });

    it("makes this month's partition and the next three at start, and is idempotent", async () => {
        expect(partitions()).toEqual([0, 1, 2, 3].map(monthName).concat("payments_default").sort());
        expect(await ensurePaymentPartitions(shop.stores.orders)).toEqual([]);
    });

    it("puts a charge in its month's partition", async () => {
        const buyer = await new ShopClient(shop.url).open();
        await buyer.register("monthly@example.com");
        await buyer.request("POST", "/api/cart/items", { json: { productId: 40 } });
        const order = await buyer.request("POST", "/api/checkout", { headers: { "idempotency-key": "monthly-order-1" } });
        expect(order.status).toBe(200);
        expect(server.psql("shop", `SELECT tableoid::regclass FROM payments WHERE order_id = ${order.data.id}`).trim()).toBe(monthName(0));
    });

    it("moves rows out of the default partition when their month is made late", async () => {
        const far = new Date();
        far.setUTCMonth(far.getUTCMonth() + 6, 15);
        server.psql(
            "shop",
            `INSERT INTO payments (idempotency_key, order_id, amount_cents, approved, charged_at) VALUES ('future-charge', 0, 100, true, '${far.toISOString()}')`,
        );
        expect(server.psql("shop", "SELECT tableoid::regclass FROM payments WHERE idempotency_key = 'future-charge'").trim()).toBe("payments_default");
        const made = await ensurePaymentPartitions(shop.stores.orders, far, 0);
        expect(made).toEqual([monthName(6)]);
        expect(server.psql("shop", "SELECT tableoid::regclass FROM payments WHERE idempotency_key = 'future-charge'").trim()).toBe(monthName(6));
        expect(server.psql("shop", "SELECT count(*) FROM payments_default").trim()).toBe("0");
    });
});
