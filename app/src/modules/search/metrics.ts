/** Search's figures in /metrics: which engine answered, fallbacks by reason, the outbox's backlog. */
import { Counter, Gauge, Registry } from "prom-client";
import { Database } from "../../db/database";
import { outboxLag } from "../catalog/search-outbox";
import { ProductSearch } from "./search";

export function registerSearchMetrics(registry: Registry, search: ProductSearch, catalogDb: Database): void {
    new Counter({
        name: "shop_search_requests_total",
        help: "Searches by the engine that answered (opensearch or postgres)",
        labelNames: ["engine"],
        registers: [registry],
        collect() {
            this.reset();
            this.inc({ engine: "opensearch" }, search.counters.opensearch);
            this.inc({ engine: "postgres" }, search.counters.postgres);
        },
    });
    new Counter({
        name: "shop_search_fallbacks_total",
        help: "Searches answered from PostgreSQL although OpenSearch is configured, by reason (timeout, unreachable, error, breaker-open, index-not-ready, switched-off)",
        labelNames: ["reason"],
        registers: [registry],
        collect() {
            this.reset();
            for (const [reason, n] of search.counters.fallbacks) this.inc({ reason }, n);
        },
    });
    new Gauge({
        name: "shop_search_index_ready",
        help: "1 when the products index is current and searched, 0 while it is built or unreachable at start",
        registers: [registry],
        collect() {
            this.set(search.ready ? 1 : 0);
        },
    });
    // Read when Prometheus scrapes; nothing to report without an index to feed.
    const backlog = () => (search.client ? outboxLag(catalogDb).catch(() => undefined) : Promise.resolve(undefined));
    new Gauge({
        name: "shop_search_outbox_lag_seconds",
        help: "Age of the oldest product change not yet in the search index (0: the index is current)",
        registers: [registry],
        async collect() {
            const b = await backlog();
            if (b) this.set(b.lagSeconds);
        },
    });
    new Gauge({
        name: "shop_search_outbox_pending",
        help: "Product changes waiting in the outbox for the search index",
        registers: [registry],
        async collect() {
            const b = await backlog();
            if (b) this.set(b.pending);
        },
    });
}
