/**
 * Checkouts cut mid-saga (a process killed, the database gone for a moment, a pool out of
 * connections) stay `reserving`, holding stock, until their client retries with the same
 * key, which it may never do. The sweeper finishes them after `staleAfterMs`: it resumes
 * the saga, whose every step is idempotent, so the order ends paid, or rejected, or declined
 * with its stock returned, exactly as a retry would have ended it. One instance sweeps at a
 * time, under a lease in the orders database; a sweep cut short is taken up by the next.
 */
import { randomUUID } from "node:crypto";
import { Database } from "../../db/database";
import { Orders } from "./orders";

export interface SweeperOptions {
    /** A checkout untouched this long is abandoned. @default 120000 */
    staleAfterMs?: number;
    /** How long a sweep holds the lease at most. @default 60000 */
    leaseMs?: number;
    /** Orders finished per sweep at most. @default 100 */
    batch?: number;
}

export class CheckoutSweeper {
    readonly holder = randomUUID();
    private readonly options: Required<SweeperOptions>;

    constructor(
        private readonly ordersDb: Database,
        private readonly orders: Orders,
        options: SweeperOptions = {},
    ) {
        this.options = { staleAfterMs: 120_000, leaseMs: 60_000, batch: 100, ...options };
    }

    /** One sweep: the ids of the orders it finished, or undefined when another instance holds the lease. */
    async sweep(): Promise<number[] | undefined> {
        if (!(await this.acquire())) return undefined;
        try {
            const { rows } = await this.ordersDb.query<{ id: number }>(
                "SELECT id FROM orders WHERE status = 'reserving' AND updated_at < now() - make_interval(secs => $1) ORDER BY id LIMIT $2",
                [this.options.staleAfterMs / 1000, this.options.batch],
            );
            const finished: number[] = [];
            for (const { id } of rows) if (await this.orders.resume(id)) finished.push(id);
            return finished;
        } finally {
            await this.ordersDb.query("UPDATE leases SET expires_at = now() WHERE name = 'checkout-sweeper' AND holder = $1", [this.holder]);
        }
    }

    /** Takes the lease when it is free or expired (or already ours). */
    private async acquire(): Promise<boolean> {
        const { rows } = await this.ordersDb.query(
            `INSERT INTO leases (name, holder, expires_at) VALUES ('checkout-sweeper', $1, now() + make_interval(secs => $2))
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE leases.expires_at <= now() OR leases.holder = excluded.holder
             RETURNING holder`,
            [this.holder, this.options.leaseMs / 1000],
        );
        return rows.length > 0;
    }
}
