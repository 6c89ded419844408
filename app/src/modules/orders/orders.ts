/**
 * Orders and checkout. A checkout is a short saga over the orders database and the catalog
 * (its stock is the catalog's: taken in process, or through the catalog's service from stage
 * 11), and every step is idempotent, so a checkout retried with the same key, even
 * concurrently or after a crash, resumes the same order:
 *   1. the order is recorded once per (user, idempotency key), with its items and prices;
 *   2. stock is reserved once per (order, product), never below zero;
 *   3. the charge is made once per order;
 *   4. the order is marked paid (or its stock returned when the charge is declined).
 */
import { Database, Queryable } from "../../db/database";
import { CartLine, Carts } from "../cart/cart";
import { Address } from "./address";
import { CatalogAccess } from "./catalog-access";
import { PaymentProvider } from "./payments";

export type OrderStatus = "reserving" | "paid" | "rejected" | "payment_failed";

export interface OrderItem {
    productId: number;
    name: string;
    unitPriceCents: number;
    quantity: number;
}

export interface Order {
    id: number;
    status: OrderStatus;
    totalCents: number;
    problem: string | null;
    createdAt: string;
    /** Where it ships; null for orders placed before addresses were asked. */
    shippingAddress: Address | null;
    items: OrderItem[];
}

export class CheckoutError extends Error {
    constructor(
        message: string,
        readonly status: number,
        readonly order?: Order,
    ) {
        super(message);
    }
}

export class Orders {
    constructor(
        private readonly ordersDb: Database,
        private readonly catalog: CatalogAccess,
        private readonly carts: Carts,
        private readonly payments: PaymentProvider,
    ) {}

    async checkout(userId: number, sessionId: string, idempotencyKey: string, address?: Address): Promise<Order> {
        let order = await this.byKey(userId, idempotencyKey);
        if (!order) {
            const lines = await this.carts.lines(sessionId);
            if (lines.length > 0) order = await this.record(userId, idempotencyKey, lines, address);
            else {
                // An empty cart may be one a duplicate of this request emptied meanwhile, paid: its order is the answer.
                order = await this.byKey(userId, idempotencyKey);
                if (!order) throw new CheckoutError("the cart is empty", 400);
            }
        }
        if (order.status === "reserving") order = await this.complete(order);
        // A retry of a checkout that failed gets the same answer as the first attempt.
        if (order.status === "rejected") throw new CheckoutError(order.problem ?? "out of stock", 409, order);
        if (order.status === "payment_failed") throw new CheckoutError(order.problem ?? "the payment was declined", 402, order);
        if (order.status === "paid") {
            // The cart empties of what was bought, also when this is the retry that finds the order done.
            for (const item of order.items) await this.carts.remove(sessionId, item.productId);
        }
        return order;
    }

    /**
     * Finishes an order left `reserving` (the sweeper): the saga resumed, as a retry of its
     * checkout would. True when it left `reserving` now (paid, rejected or declined).
     */
    async resume(orderId: number): Promise<boolean> {
        const order = await this.load(this.ordersDb, orderId);
        if (!order || order.status !== "reserving") return false;
        try {
            await this.complete(order);
        } catch (err) {
            if (!(err instanceof CheckoutError)) throw err;
        }
        return (await this.load(this.ordersDb, orderId))?.status !== "reserving";
    }

    /** A user's orders, newest first: a read that a replica may serve, as fresh as the user's own checkouts. */
    async forUser(userId: number): Promise<Order[]> {
        const reading = this.reading();
        const { rows } = await reading.query<{ id: number }>("SELECT id FROM orders WHERE user_id = $1 ORDER BY id DESC LIMIT 50", [userId]);
        return Promise.all(rows.map((r) => this.load(reading, r.id) as Promise<Order>));
    }

    get(userId: number, orderId: number): Promise<Order | undefined> {
        return this.load(this.reading(), orderId, userId);
    }

    private reading(): Queryable {
        return { query: (sql, params) => this.ordersDb.read(sql, params) };
    }

    /** Step 1: the order and its items, once per key. A concurrent duplicate waits on the unique key, then finds it. */
    private async record(userId: number, key: string, lines: CartLine[], address?: Address): Promise<Order> {
        const products = await this.catalog.productsByIds(lines.map((l) => l.productId));
        const missing = lines.filter((l) => !products.has(l.productId));
        if (missing.length > 0) throw new CheckoutError(`products ${missing.map((l) => l.productId).join(", ")} no longer exist`, 409);
        const total = lines.reduce((sum, l) => sum + products.get(l.productId)!.priceCents * l.quantity, 0);
        const id = await this.ordersDb.transaction(async (tx) => {
            const inserted = await tx.query<{ id: number }>(
                "INSERT INTO orders (user_id, idempotency_key, status, total_cents, shipping_address) VALUES ($1, $2, 'reserving', $3, $4) ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id",
                [userId, key, total, address === undefined ? null : JSON.stringify(address)],
            );
            if (inserted.rows.length === 0) return undefined;
            for (const line of lines) {
                const p = products.get(line.productId)!;
                await tx.query("INSERT INTO order_items (order_id, product_id, name, unit_price_cents, quantity) VALUES ($1, $2, $3, $4, $5)", [
                    inserted.rows[0].id,
                    p.id,
                    p.name,
                    p.priceCents,
                    line.quantity,
                ]);
            }
            return inserted.rows[0].id;
        });
        return (id === undefined ? await this.byKey(userId, key) : await this.load(this.ordersDb, id))!;
    }

    /** Steps 2-4. */
    private async complete(order: Order): Promise<Order> {
        const orderKey = `order:${order.id}`;
        const reservation = await this.catalog.reserve(
            orderKey,
            order.items.map((i) => ({ productId: i.productId, quantity: i.quantity })),
        );
        if (!reservation.reserved) {
            await this.setStatus(order.id, "rejected", reservation.problem);
            throw new CheckoutError(reservation.problem, 409, await this.load(this.ordersDb, order.id));
        }

        const charge = await this.payments.charge({ idempotencyKey: orderKey, orderId: order.id, amountCents: order.totalCents });
        if (!charge.approved) {
            // Returned once: only the attempt that removes a reservation gives its stock back.
            await this.catalog.release(orderKey);
            await this.setStatus(order.id, "payment_failed", "the payment was declined");
            throw new CheckoutError("the payment was declined", 402, await this.load(this.ordersDb, order.id));
        }
        await this.ordersDb.query("UPDATE orders SET status = 'paid', payment_ref = $2, updated_at = now() WHERE id = $1 AND status = 'reserving'", [
            order.id,
            charge.reference,
        ]);
        return (await this.load(this.ordersDb, order.id))!;
    }

    private async setStatus(orderId: number, status: OrderStatus, problem: string): Promise<void> {
        await this.ordersDb.query("UPDATE orders SET status = $2, problem = $3, updated_at = now() WHERE id = $1 AND status = 'reserving'", [
            orderId,
            status,
            problem,
        ]);
    }

    private async byKey(userId: number, key: string): Promise<Order | undefined> {
        const { rows } = await this.ordersDb.query<{ id: number }>("SELECT id FROM orders WHERE user_id = $1 AND idempotency_key = $2", [userId, key]);
        return rows.length > 0 ? this.load(this.ordersDb, rows[0].id) : undefined;
    }

    private async load(db: Queryable, orderId: number, userId?: number): Promise<Order | undefined> {
        const { rows } = await db.query<Omit<Order, "items">>(
            `SELECT id, status, total_cents AS "totalCents", problem, shipping_address AS "shippingAddress", to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt"
             FROM orders WHERE id = $1 ${userId === undefined ? "" : "AND user_id = $2"}`,
            userId === undefined ? [orderId] : [orderId, userId],
        );
        if (rows.length === 0) return undefined;
        const items = await db.query<OrderItem>(
            'SELECT product_id AS "productId", name, unit_price_cents AS "unitPriceCents", quantity FROM order_items WHERE order_id = $1 ORDER BY product_id',
            [orderId],
        );
        return { ...rows[0], items: items.rows };
    }
}
