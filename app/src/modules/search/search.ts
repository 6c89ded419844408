/**
 * Product search: on OpenSearch when SHOP_SEARCH_URL is set (stage 10), on PostgreSQL otherwise.
 * OpenSearch down, slow (a search gets one second) or its index not built yet: the search is
 * answered from PostgreSQL, counted in /metrics and logged, and a circuit breaker stops asking
 * OpenSearch for a moment after repeated failures. The catalog's outbox relay keeps the index
 * in step with the database, and catches up when OpenSearch returns.
 */
import type { Client } from "@opensearch-project/opensearch";
import { FastifyBaseLogger } from "fastify";
import { Database } from "../../db/database";
import { CircuitBreaker } from "../../gateway/circuit-breaker";
import { OutboxRelay, pruneOutbox } from "../catalog/search-outbox";
import { statusOf } from "./opensearch-status";
import { OpenSearchSearch } from "./opensearch-search";
import { PostgresSearch } from "./postgres-search";
import { ensureProductIndex } from "./product-index";
import { SearchQuery, SearchResult } from "./query";

/** How long a search waits for OpenSearch before PostgreSQL answers. */
export const searchTimeoutMs = 1000;

/** The clients of SHOP_SEARCH_URL: searches wait a second at most; index writes may take longer. */
export interface SearchClients {
    search: Client;
    writer: Client;
}

/** Loads the OpenSearch client package only in a shop that has a domain: a third of a second of every other start. */
export async function openSearchClients(searchUrl: string, password: string | undefined): Promise<SearchClients> {
    const { openSearchClient } = await import("./opensearch-client");
    return { search: openSearchClient(searchUrl, password, searchTimeoutMs), writer: openSearchClient(searchUrl, password, 30_000) };
}

export interface SearchOptions {
    /** Without, searches go to PostgreSQL. */
    clients?: SearchClients;
    /** Whether this instance relays the catalog's outbox (it serves the catalog or search). */
    relay: boolean;
    /** Whether searches may go to OpenSearch now (the opensearch feature flag); the relay keeps the index current either way. @default always */
    enabled?: () => boolean;
}

export class ProductSearch {
    readonly postgres: PostgresSearch;
    readonly client: Client | undefined;
    readonly relay: OutboxRelay | undefined;
    /** Index writes may take longer than a search: they have a client of their own. */
    private readonly writer: Client | undefined;
    private readonly opensearch: OpenSearchSearch | undefined;
    private readonly breaker = new CircuitBreaker(3, 2000, () => this.log.warn({ service: "opensearch" }, "circuit breaker opened"));
    private readonly enabled: () => boolean;
    private indexReady = false;
    private closed = false;
    private timers: NodeJS.Timeout[] = [];
    readonly counters = { opensearch: 0, postgres: 0, fallbacks: new Map<string, number>() };

    constructor(
        private readonly db: Database,
        private readonly log: FastifyBaseLogger,
        options: SearchOptions,
    ) {
        this.postgres = new PostgresSearch(db);
        this.enabled = options.enabled ?? (() => true);
        if (options.clients) {
            this.client = options.clients.search;
            this.opensearch = new OpenSearchSearch(this.client);
            this.writer = options.clients.writer;
            if (options.relay) this.relay = new OutboxRelay(db, this.writer, log);
        }
    }

    get engine(): "opensearch" | "postgres" {
        return this.opensearch ? "opensearch" : "postgres";
    }

    get ready(): boolean {
        return this.indexReady;
    }

    /**
     * Starts the background work: with OpenSearch, the index made current (retried until it is) and
     * the relay; without, the outbox pruned daily.
     */
    start(): void {
        if (!this.writer) {
            const prune = () => void pruneOutbox(this.db).catch((err: Error) => this.log.warn({ err: err.message }, "search outbox: prune failed"));
            prune();
            const timer = setInterval(prune, 3600_000);
            timer.unref();
            this.timers.push(timer);
            return;
        }
        const writer = this.writer;
        const ensure = async (attempt: number): Promise<void> => {
            if (this.closed) return;
            try {
                await ensureProductIndex(writer, this.db, this.log);
                // A first search warms the node's caches, so that the first visitor's does not run into the timeout.
                await this.opensearch!.search({ text: "warm", page: 1, limit: 1, sort: "relevance" }).catch(() => undefined);
                this.indexReady = true;
                this.relay?.start();
            } catch (err) {
                const delay = Math.min(30_000, 1000 * 2 ** attempt);
                this.log.warn(
                    { err: describe(err), retryInMs: delay },
                    "search: the products index could not be checked or built; searching PostgreSQL meanwhile",
                );
                const timer = setTimeout(() => void ensure(attempt + 1), delay);
                timer.unref();
                this.timers.push(timer);
            }
        };
        void ensure(0);
    }

    async close(): Promise<void> {
        this.closed = true;
        for (const timer of this.timers) clearTimeout(timer);
        await this.relay?.stop();
        await Promise.all([this.client?.close(), this.writer?.close()]);
    }

    async search(query: SearchQuery): Promise<SearchResult> {
        if (this.opensearch) {
            let reason: string | undefined = !this.enabled()
                ? "switched-off"
                : !this.indexReady
                  ? "index-not-ready"
                  : !this.breaker.allows()
                    ? "breaker-open"
                    : undefined;
            if (!reason) {
                try {
                    const result = await this.opensearch.search(query);
                    if (this.breaker.state !== "closed") this.log.info("search: OpenSearch answers again");
                    this.breaker.succeeded();
                    this.counters.opensearch++;
                    return result;
                } catch (err) {
                    const wasClosed = this.breaker.state === "closed";
                    this.breaker.failed();
                    reason = statusOf(err) === undefined ? (/timeout/i.test(describe(err)) ? "timeout" : "unreachable") : "error";
                    // One line per failure while the breaker is closed, then one when it opens: no flood during an outage.
                    if (wasClosed)
                        this.log.warn({ err: describe(err), reason, breaker: this.breaker.state }, "search: OpenSearch failed; answering from PostgreSQL");
                }
            }
            this.counters.fallbacks.set(reason, (this.counters.fallbacks.get(reason) ?? 0) + 1);
        }
        this.counters.postgres++;
        return this.postgres.search(query);
    }
}

function describe(err: unknown): string {
    const status = statusOf(err);
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return status === undefined ? message : `${status} ${message}`;
}
