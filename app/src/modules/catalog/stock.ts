/**
 * Stock, the catalog's: reservations taken for an order once per (order, product), never below
 * zero, and given back once. Every step is idempotent, so the checkout saga may repeat it
 * (a retry, the sweeper, a service call sent again) without taking or returning stock twice.
 */
import { Database } from "../../db/database";
import { Catalog } from "./catalog";

export interface StockLine {
    productId: number;
    quantity: number;
}

export type Reservation = { reserved: true } | { reserved: false; problem: string };

class OutOfStock extends Error {}

export class Stock {
    constructor(
        private readonly db: Database,
        private readonly catalog: Catalog,
    ) {}

    /** Takes the lines' stock for `orderKey`, all or nothing; lines reserved by an earlier attempt are not taken again. */
    async reserve(orderKey: string, lines: StockLine[]): Promise<Reservation> {
        try {
            await this.db.transaction(async (tx) => {
                // In product order, so that concurrent checkouts lock rows in one order and never deadlock.
                for (const line of [...lines].sort((a, b) => a.productId - b.productId)) {
                    const reserved = await tx.query(
                        "INSERT INTO stock_reservations (order_key, product_id, quantity) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
                        [orderKey, line.productId, line.quantity],
                    );
                    if (reserved.rows.length === 0) continue; // taken by an earlier attempt of this order
                    const taken = await tx.query("UPDATE products SET stock = stock - $2, updated_at = now() WHERE id = $1 AND stock >= $2 RETURNING 1", [
                        line.productId,
                        line.quantity,
                    ]);
                    if (taken.rows.length === 0) {
                        const product = await tx.query<{ name: string }>("SELECT name FROM products WHERE id = $1", [line.productId]);
                        throw new OutOfStock(`${product.rows[0]?.name ?? `product ${line.productId}`} has fewer than ${line.quantity} left`);
                    }
                }
            });
            return { reserved: true };
        } catch (err) {
            if (err instanceof OutOfStock) return { reserved: false, problem: err.message };
            throw err;
        } finally {
            await this.catalog.forget(lines.map((l) => l.productId));
        }
    }

    /** Returns the order's reserved stock, once: only the attempt that deletes a reservation gives its stock back. */
    async release(orderKey: string): Promise<void> {
        const products = await this.db.transaction(async (tx) => {
            const released = await tx.query<{ product_id: number; quantity: number }>(
                "DELETE FROM stock_reservations WHERE order_key = $1 RETURNING product_id, quantity",
                [orderKey],
            );
            const lines = released.rows.sort((a, b) => a.product_id - b.product_id);
            for (const line of lines) await tx.query("UPDATE products SET stock = stock + $2 WHERE id = $1", [line.product_id, line.quantity]);
            return lines.map((l) => l.product_id);
        });
        await this.catalog.forget(products);
    }
}
