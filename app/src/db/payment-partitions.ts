/**
 * Monthly partitions of the payments table (stage 7), made ahead of time: the current month
 * and the next `monthsAhead`. A charge in a month without its partition lands in the default
 * partition rather than fail; making that month's partition later moves such rows into it
 * (detach the default, create the month, move its rows, attach the default again), all in
 * one transaction under an advisory lock, since every instance runs this at start and daily.
 */
import { Database } from "./database";

export const paymentPartitionLockKey = 7_300_419;

/** "payments_2026_11" and its bounds, for the month `offset` months after `now`'s. */
function month(now: Date, offset: number): { name: string; from: string; to: string } {
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    const day = (d: Date) => d.toISOString().slice(0, 10);
    return { name: `payments_${start.getUTCFullYear()}_${String(start.getUTCMonth() + 1).padStart(2, "0")}`, from: day(start), to: day(end) };
}

/** Makes the missing monthly partitions from `now`'s month to `monthsAhead` after it; returns their names. */
export async function ensurePaymentPartitions(db: Database, now = new Date(), monthsAhead = 3): Promise<string[]> {
    return db.withAdvisoryLock(paymentPartitionLockKey, async () => {
        const existing = new Set(
            (
                await db.query<{ name: string }>(
                    "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'payments'::regclass",
                )
            ).rows.map((r) => r.name),
        );
        const made: string[] = [];
        for (let offset = 0; offset <= monthsAhead; offset++) {
            const { name, from, to } = month(now, offset);
            if (existing.has(name)) continue;
            // Names and bounds are made here from dates, never from input: safe to splice.
            await db.transaction(async (tx) => {
                await tx.query("ALTER TABLE payments DETACH PARTITION payments_default");
                await tx.query(`CREATE TABLE ${name} PARTITION OF payments FOR VALUES FROM ('${from}') TO ('${to}')`);
                await tx.query(`INSERT INTO payments SELECT * FROM payments_default WHERE charged_at >= '${from}' AND charged_at < '${to}'`);
                await tx.query(`DELETE FROM payments_default WHERE charged_at >= '${from}' AND charged_at < '${to}'`);
                await tx.query("ALTER TABLE payments ATTACH PARTITION payments_default DEFAULT");
            });
            made.push(name);
        }
        return made;
    });
}
