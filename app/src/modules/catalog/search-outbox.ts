/**
 * The relay of the catalog's outbox to the search index, one in each instance. Every product
 * change leaves a row in `search_outbox` in its own transaction (a trigger: see migrations.ts).
 * The relay leases due rows (FOR UPDATE SKIP LOCKED, so instances never take the same row; a
 * lease lapses after 30 s should its instance die), sends the products' current state in one
 * bulk request with their versions as external versions, deletes the rows that were indexed
 * and puts the others off with a growing, jittered delay. Nothing is lost while OpenSearch is
 * down: the rows wait.
 */
import type { Client } from "@opensearch-project/opensearch";
import { FastifyBaseLogger } from "fastify";
import { Database } from "../../db/database";
import { bulkIndex, readIndexedProducts } from "../search/product-index";

export interface OutboxRelayOptions {
    /** Rows leased at once. @default 200 */
    batch?: number;
    /** Wait between polls of an empty outbox. @default 200 ms */
    idleMs?: number;
    /** Longest delay before a failed row is tried again. @default 10 s */
    maxBackoffSeconds?: number;
    /** How often the relay logs the backlog (`search outbox: backlog`, with pending and lagSeconds), which CloudWatch turns into the outbox's lag. @default 60 s */
    reportEveryMs?: number;
}

export class OutboxRelay {
    private running = false;
    private loop: Promise<void> | undefined;
    private wake: (() => void) | undefined;
    private failing = false;
    private reportedAt = 0;
    readonly counters = { indexed: 0, failed: 0 };

    constructor(
        private readonly db: Database,
        private readonly client: Client,
        private readonly log: FastifyBaseLogger,
        private readonly options: OutboxRelayOptions = {},
    ) {}

    start(): void {
        if (this.running) return;
        this.running = true;
        this.loop = (async () => {
            while (this.running) {
                let leased = 0;
                try {
                    leased = await this.relayOnce();
                    await this.reportBacklog();
                } catch (err) {
                    this.log.warn({ err: err instanceof Error ? err.message : String(err) }, "search outbox: relay failed; trying again");
                }
                if (leased < (this.options.batch ?? 200)) await new Promise<void>((resolve) => this.sleep(resolve));
            }
        })();
    }

    private sleep(resolve: () => void): void {
        const timer = setTimeout(resolve, this.options.idleMs ?? 200);
        this.wake = () => {
            clearTimeout(timer);
            resolve();
        };
    }

    async stop(): Promise<void> {
        this.running = false;
        this.wake?.();
        await this.loop;
    }

    /** Logs the backlog at most once per `reportEveryMs`: no scraper reads /metrics on AWS, CloudWatch reads the logs. */
    private async reportBacklog(): Promise<void> {
        if (Date.now() - this.reportedAt < (this.options.reportEveryMs ?? 60_000)) return;
        this.reportedAt = Date.now();
        const { pending, lagSeconds } = await outboxLag(this.db);
        this.log.info({ pending, lagSeconds }, "search outbox: backlog");
    }

    /** Leases one batch, indexes it, settles its rows. Returns how many rows it leased. */
    async relayOnce(): Promise<number> {
        const { rows } = await this.db.query<{ id: string; productId: number }>(
            `UPDATE search_outbox SET not_before = now() + interval '30 seconds'
             WHERE id IN (SELECT id FROM search_outbox WHERE not_before <= now() ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
             RETURNING id, product_id AS "productId"`,
            [this.options.batch ?? 200],
        );
        if (rows.length === 0) return 0;
        const productIds = [...new Set(rows.map((r) => r.productId))];
        let failedIds: number[];
        try {
            failedIds = await bulkIndex(this.client, await readIndexedProducts(this.db, productIds));
        } catch (err) {
            failedIds = productIds;
            if (!this.failing)
                this.log.warn(
                    { err: err instanceof Error ? err.message : String(err) },
                    "search outbox: OpenSearch refused a batch; the changes wait in the outbox",
                );
        }
        const failed = new Set(failedIds);
        if (this.failing && failed.size === 0) this.log.info("search outbox: OpenSearch takes the changes again; catching up");
        this.failing = failed.size > 0;
        const done = rows.filter((r) => !failed.has(r.productId)).map((r) => r.id);
        const retry = rows.filter((r) => failed.has(r.productId)).map((r) => r.id);
        if (done.length > 0) await this.db.query("DELETE FROM search_outbox WHERE id = ANY($1::bigint[])", [done]);
        if (retry.length > 0)
            await this.db.query(
                `UPDATE search_outbox SET attempts = attempts + 1,
                     not_before = now() + make_interval(secs => least($2::float8, 0.25 * 2 ^ attempts) * (0.75 + random() / 2))
                 WHERE id = ANY($1::bigint[])`,
                [retry, this.options.maxBackoffSeconds ?? 10],
            );
        this.counters.indexed += productIds.length - failed.size;
        this.counters.failed += failed.size;
        return rows.length;
    }
}

/** The outbox's backlog: rows waiting, and the age of the oldest in seconds (0 when empty). */
export async function outboxLag(db: Database): Promise<{ pending: number; lagSeconds: number }> {
    const { rows } = await db.query<{ pending: string; lag: number | null }>(
        "SELECT count(*) AS pending, extract(epoch FROM now() - min(created_at))::float8 AS lag FROM search_outbox",
    );
    return { pending: Number(rows[0].pending), lagSeconds: Math.max(0, rows[0].lag ?? 0) };
}

/** Without a search index, nobody reads the outbox: rows older than a day go (a later index is built in full at start). */
export async function pruneOutbox(db: Database): Promise<number> {
    const { rowCount } = await db.query("DELETE FROM search_outbox WHERE created_at < now() - interval '1 day'");
    return rowCount;
}
