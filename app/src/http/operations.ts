/** /healthz (liveness), /readyz (dependencies reachable), and the metrics that metrics-server.ts serves on a port of its own. */
import { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import { ShopCache } from "../cache/shop-cache";
import { Database } from "../db/database";

declare module "fastify" {
    interface FastifyInstance {
        /** The process's Prometheus metrics; other parts add theirs (the gateway's breakers, search). */
        metricsRegistry: Registry;
    }
}

export interface OperationsOptions {
    region: string;
    databases: Database[];
    cache: ShopCache;
    /** Why the schema is not ready yet (external migrations not run): readiness answers 503 with the reasons. */
    schemaProblems?: () => Promise<string[]>;
}

/** Health, readiness, request metrics and the region header, for every route of the instance (not encapsulated). */
export const operationsPlugin = fp<OperationsOptions>(
    async (app, options) => {
        app.decorate("metricsRegistry", registerOperations(app, options));
    },
    {
        name: "shop-operations",
        fastify: "5.x",
    },
);

function registerOperations(app: FastifyInstance, options: OperationsOptions): Registry {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const duration = new Histogram({
        name: "shop_http_request_duration_seconds",
        help: "HTTP request latency by route and status",
        labelNames: ["method", "route", "status"],
        buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
    });
    // Counted by the cache itself; read when Prometheus scrapes.
    const cacheCounts = options.cache.counters;
    new Counter({
        name: "shop_cache_requests_total",
        help: "Cache look-ups by level (1: in process, 2: Redis) and result",
        labelNames: ["level", "result"],
        registers: [registry],
        collect() {
            this.reset();
            this.inc({ level: "1", result: "hit" }, cacheCounts.l1Hits);
            this.inc({ level: "1", result: "miss" }, cacheCounts.l1Misses);
            if (options.cache.levels === 2) {
                this.inc({ level: "2", result: "hit" }, cacheCounts.l2Hits);
                this.inc({ level: "2", result: "miss" }, cacheCounts.l2Misses);
            }
        },
    });
    new Counter({
        name: "shop_cache_loads_total",
        help: "Values loaded from the database on a cache miss",
        registers: [registry],
        collect() {
            this.reset();
            this.inc(cacheCounts.loads);
        },
    });
    new Counter({
        name: "shop_cache_redis_errors_total",
        help: "Redis calls that failed and were answered from the database",
        registers: [registry],
        collect() {
            this.reset();
            this.inc(cacheCounts.redisErrors);
        },
    });

    app.addHook("onSend", async (_request, reply) => {
        reply.header("x-shop-region", options.region);
    });
    app.addHook("onResponse", async (request, reply) => {
        duration.observe(
            { method: request.method, route: request.routeOptions.url ?? "unmatched", status: String(reply.statusCode) },
            reply.elapsedTime / 1000,
        );
    });

    app.get("/healthz", { logLevel: "warn", config: { session: false } }, async () => ({ status: "ok", region: options.region }));
    app.get("/readyz", { logLevel: "warn", config: { session: false } }, async (_request, reply) => {
        const checks = await Promise.all(
            options.databases.map(async (db) => {
                try {
                    await db.query("SELECT 1");
                    return undefined;
                } catch {
                    return db.label;
                }
            }),
        );
        const failing = checks.filter((c): c is string => c !== undefined);
        if (failing.length) return reply.code(503).send({ status: "unavailable", failing });
        const schema = (await options.schemaProblems?.().catch((err: Error) => [`the schema could not be read: ${err.message}`])) ?? [];
        return reply.code(schema.length ? 503 : 200).send(schema.length ? { status: "unavailable", schema } : { status: "ready" });
    });
    return registry;
}
