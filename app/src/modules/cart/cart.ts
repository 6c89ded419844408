/**
 * Carts, one per browser session; items refer to catalog products by id only. In the
 * orders database by default; in Redis from stage 4 on (redis-carts.ts).
 */
import { Queryable } from "../../db/database";

export interface CartLine {
    productId: number;
    quantity: number;
}

/** At most this many of one product in a cart. */
export const maxQuantity = 99;
/** At most this many different products in a cart. */
export const maxLines = 50;

export interface Carts {
    /** The lines in the order they were added. */
    lines(sessionId: string): Promise<CartLine[]>;
    /** Adds to the line's quantity, up to `maxQuantity`. */
    add(sessionId: string, productId: number, quantity: number): Promise<void>;
    /** Sets a line's quantity; 0 removes it. */
    setQuantity(sessionId: string, productId: number, quantity: number): Promise<void>;
    remove(sessionId: string, productId: number): Promise<void>;
    /** Moves a cart to a new session id (the id changes at sign-in, against session fixation). */
    move(from: string, to: string): Promise<void>;
}

export class PostgresCarts implements Carts {
    constructor(private readonly db: Queryable) {}

    async lines(sessionId: string): Promise<CartLine[]> {
        const { rows } = await this.db.query<CartLine>(
            'SELECT product_id AS "productId", quantity FROM cart_items WHERE session_id = $1 ORDER BY added_at, product_id',
            [sessionId],
        );
        return rows;
    }

    async add(sessionId: string, productId: number, quantity: number): Promise<void> {
        await this.db.query(
            `INSERT INTO cart_items (session_id, product_id, quantity) VALUES ($1, $2, $3)
             ON CONFLICT (session_id, product_id) DO UPDATE SET quantity = least(${maxQuantity}, cart_items.quantity + excluded.quantity)`,
            [sessionId, productId, quantity],
        );
    }

    async setQuantity(sessionId: string, productId: number, quantity: number): Promise<void> {
        if (quantity === 0) await this.remove(sessionId, productId);
        else await this.db.query("UPDATE cart_items SET quantity = $3 WHERE session_id = $1 AND product_id = $2", [sessionId, productId, quantity]);
    }

    async remove(sessionId: string, productId: number): Promise<void> {
        await this.db.query("DELETE FROM cart_items WHERE session_id = $1 AND product_id = $2", [sessionId, productId]);
    }

    async move(from: string, to: string): Promise<void> {
        await this.db.query(
            `INSERT INTO cart_items (session_id, product_id, quantity, added_at)
             SELECT $2, product_id, quantity, added_at FROM cart_items WHERE session_id = $1
             ON CONFLICT (session_id, product_id) DO UPDATE SET quantity = least(${maxQuantity}, cart_items.quantity + excluded.quantity)`,
            [from, to],
        );
        await this.db.query("DELETE FROM cart_items WHERE session_id = $1", [from]);
    }
}
