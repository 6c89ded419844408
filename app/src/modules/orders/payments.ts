/**
 * The payment step behind an interface. The fake provider keeps a ledger keyed by the
 * charge's idempotency key, as real providers do: asking twice with one key charges once.
 */
import { Queryable } from "../../db/database";

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
        private readonly ledger: Queryable,
        private readonly declineAboveCents = 5_000_000,
    ) {}

    async charge(request: ChargeRequest): Promise<ChargeResult> {
        const approved = request.amountCents <= this.declineAboveCents;
        await this.ledger.query(
            "INSERT INTO payment_charges (idempotency_key, order_id, amount_cents, approved) VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING",
            [request.idempotencyKey, request.orderId, request.amountCents, approved],
        );
        const { rows } = await this.ledger.query<{ approved: boolean }>("SELECT approved FROM payment_charges WHERE idempotency_key = $1", [request.idempotencyKey]);
        return { approved: rows[0].approved, reference: `fake-${request.idempotencyKey}` };
    }
}
