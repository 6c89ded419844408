/**
 * The payment step behind an interface. The fake provider keeps a ledger keyed by the
 * charge's idempotency key, as real providers do: asking twice with one key charges once.
 * The key and the charge are written in one transaction: the key in `payment_keys`, the
 * charge in `payments`, partitioned by month (payment-partitions.ts).
 */
import { Database } from "../../db/database";

export interface ChargeRequest {
    idempotencyKey: string;
    orderId: number;
    amountCents: number;
}

export interface ChargeResult {
    approved: boolean;
    reference: string;
}

export interface PaymentProvider {
    charge(request: ChargeRequest): Promise<ChargeResult>;
}

export class FakePaymentProvider implements PaymentProvider {
    /** Charges above `declineAboveCents` are declined, to exercise that path. */
    constructor(
        private readonly ledger: Database,
        private readonly declineAboveCents = 5_000_000,
    ) {}

    async charge(request: ChargeRequest): Promise<ChargeResult> {
        const approved = await this.ledger.transaction(async (tx) => {
            // ON CONFLICT without a target: a concurrent attempt may collide on the order's unique key
            // before the idempotency key's, and a targeted clause would let that one through as an error.
            const key = await tx.query(
                "INSERT INTO payment_keys (idempotency_key, order_id, charged_at) VALUES ($1, $2, now()) ON CONFLICT DO NOTHING RETURNING 1",
                [request.idempotencyKey, request.orderId],
            );
            if (key.rows.length > 0) {
                const decision = request.amountCents <= this.declineAboveCents;
                // The time is copied in SQL: through JavaScript it would lose its microseconds and no longer match the key's.
                await tx.query(
                    "INSERT INTO payments (idempotency_key, order_id, amount_cents, approved, charged_at) SELECT idempotency_key, order_id, $2, $3, charged_at FROM payment_keys WHERE idempotency_key = $1",
                    [request.idempotencyKey, request.amountCents, decision],
                );
                return decision;
            }
            // Charged before (or by a concurrent attempt, whose insert this one waited for): its decision stands.
            const { rows } = await tx.query<{ approved: boolean }>(
                "SELECT p.approved FROM payment_keys k JOIN payments p ON p.idempotency_key = k.idempotency_key AND p.charged_at = k.charged_at WHERE k.idempotency_key = $1",
                [request.idempotencyKey],
            );
            return rows[0].approved;
        });
        return { approved, reference: `fake-${request.idempotencyKey}` };
    }
}
