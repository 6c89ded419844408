/** /healthz (liveness), /readyz (dependencies reachable) and /metrics (Prometheus text). */
import { FastifyInstance } from "fastify";
import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { MemoryCache } from "../cache/memory-cache";
import { Database } from "../db/database";

export function registerOperations(app: FastifyInstance, options: { region: string; databases: Database[]; cache: MemoryCache }): Registry {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const duration = new Histogram({
        name: "shop_http_request_duration_seconds",
        help: "HTTP request latency by route and status",
        labelNames: ["method", "route", "status"],
        buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
    });
    for (const [name, read] of [
        ["shop_cache_hits_total", () => options.cache.hits],
        ["shop_cache_misses_total", () => options.cache.misses],
    ] as const) {
        new Gauge({ name, help: `In-process cache ${name.includes("hits") ? "hits" : "misses"} since start`, registers: [registry], collect() { this.set(read()); } });
    }

    app.addHook("onSend", async (_request, reply) => {
        reply.header("x-shop-region", options.region);
    });
    app.addHook("onResponse", async (request, reply) => {
        duration.observe({ method: request.method, route: request.routeOptions.url ?? "unmatched", status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });

    app.get("/healthz", { logLevel: "warn" }, async () => ({ status: "ok", region: options.region }));
    app.get("/readyz", { logLevel: "warn" }, async (_request, reply) => {
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
        return reply.code(failing.length ? 503 : 200).send(failing.length ? { status: "unavailable", failing } : { status: "ready" });
    });
    app.get("/metrics", { logLevel: "warn" }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
    return registry;
}
