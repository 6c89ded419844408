/**
 * A writer with readers (stage 5: Aurora's writer and reader endpoints, or PostgreSQL
 * streaming replicas). Writes, transactions and plain queries go to the writer; `read`
 * goes to a reader that is up and has replayed at least as far as this visitor's own
 * writes (read-consistency.ts), else to the writer. Each reader's replay position and
 * health are polled in the background, so routing costs no extra round trip; a reader that
 * fails is skipped until it answers again, and with every reader down reads go to the writer.
 */
import { Database, QueryResult } from "./database";
import { compareLsn, currentConsistency } from "./read-consistency";

interface ReaderState {
    db: Database;
    up: boolean;
    /** The WAL position it has replayed, as last polled. */
    replayed?: string;
}

const beyondEveryReader = "FFFFFFFF/FFFFFFFF";

const writeStatement = /^\s*(insert|update|delete|merge|create|alter|drop|truncate|with\b[\s\S]*\b(insert|update|delete)\b)/i;

export class ReplicatedDatabase implements Database {
    readonly kind = "replicated";
    readonly label: string;
    private readonly readers: ReaderState[];
    private next = 0;
    private readonly timer: NodeJS.Timeout;
    /** Reads each reader served: for metrics and tests. */
    readonly servedBy = { writer: 0, readers: 0 };

    constructor(
        private readonly writer: Database,
        readers: Database[],
        pollMs = 200,
    ) {
        this.label = writer.label;
        this.readers = readers.map((db) => ({ db, up: false }));
        void this.poll();
        this.timer = setInterval(() => void this.poll(), pollMs);
        this.timer.unref();
    }

    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
        if (writeStatement.test(sql)) this.noteWrite();
        return this.writer.query<T>(sql, params);
    }

    async read<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
        const minimum = currentConsistency()?.minimum[this.label];
        // A reader that reports no replay position (not a streaming standby: Aurora's readers) serves only visitors with no write to wait for.
        const candidates = this.readers.filter((r) => r.up && (minimum === undefined || (r.replayed !== undefined && compareLsn(r.replayed, minimum) >= 0)));
        if (candidates.length > 0) {
            const reader = candidates[this.next++ % candidates.length];
            try {
                const result = await reader.db.query<T>(sql, params);
                this.servedBy.readers++;
                return result;
            } catch {
                reader.up = false; // skipped until the poll finds it answering again
            }
        }
        this.servedBy.writer++;
        return this.writer.query<T>(sql, params);
    }

    transaction<T>(work: Parameters<Database["transaction"]>[0]): Promise<T> {
        this.noteWrite();
        return this.writer.transaction(work) as Promise<T>;
    }

    exec(sql: string): Promise<void> {
        return this.writer.exec(sql);
    }

    withAdvisoryLock<T>(key: number, work: () => Promise<T>): Promise<T> {
        return this.writer.withAdvisoryLock(key, work);
    }

    async close(): Promise<void> {
        clearInterval(this.timer);
        await Promise.all([this.writer.close(), ...this.readers.map((r) => r.db.close())]);
    }

    private noteWrite(): void {
        currentConsistency()?.wrote.set(this.label, async () => {
            try {
                // The insert position, not pg_current_wal_lsn() (the write position): with asynchronous
                // commit, a commit record can be inserted and not yet written, and would be missed.
                const { rows } = await this.writer.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
                return rows[0].lsn;
            } catch {
                // No WAL position to be had (a writer without these functions): past every reader, so reads go to the writer while the cookie lasts.
                return beyondEveryReader;
            }
        });
    }

    private async poll(): Promise<void> {
        await Promise.all(
            this.readers.map(async (reader) => {
                try {
                    const { rows } = await reader.db.query<{ lsn: string | null }>("SELECT pg_last_wal_replay_lsn()::text AS lsn");
                    reader.replayed = rows[0].lsn ?? undefined;
                    reader.up = true;
                } catch {
                    reader.up = false;
                }
            }),
        );
    }
}
