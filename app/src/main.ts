/**
 * Starts the shop: configuration read and checked once, tracing started when it is asked for,
 * databases opened and migrated, then HTTP. On SIGTERM it stops accepting connections, finishes the requests in flight,
 * closes its pools and exits, so that a rolling deploy drops nothing.
 */
import type { FastifyInstance } from "fastify";
import { readConfig, ShopConfigError } from "./config";
import type { Stores } from "./db/stores";

/** The longest a stop waits for requests in flight. */
const stopGraceMs = 10_000;

async function main(): Promise<void> {
    let config;
    try {
        config = readConfig();
    } catch (err) {
        if (err instanceof ShopConfigError) {
            process.stderr.write(`${err.message}\n`);
            process.exit(2);
        }
        throw err;
    }
    const otlpEndpoint = config.otlpEndpoint;
    const stopTracing = otlpEndpoint ? (await import("./tracing")).startTracing({ ...config, otlpEndpoint }) : undefined;
    // Loaded once tracing has started, so that its instrumentations see http, pg and ioredis being loaded.
    const { buildApp } = await import("./app");
    const { openStores } = await import("./db/stores");
    const stores: Stores = await openStores(config);
    const app: FastifyInstance = await buildApp({ config, stores });
    if (config.sessionSecretGenerated)
        app.log.warn("SHOP_SESSION_SECRET is not set: sessions last until this process stops and are not shared with other instances");
    app.log.info({ databases: stores.all.map((db) => db.label), region: config.region, search: app.shop.search.engine }, "starting");

    let stopping = false;
    const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.log.info({ signal }, "stopping: finishing requests in flight");
        // Idle keep-alive connections close now (a client would otherwise hold the process for the
        // keep-alive timeout); replies in flight say `Connection: close` (app.ts). Whatever is left
        // after the grace period is cut.
        const cut = setTimeout(() => app.server.closeAllConnections(), stopGraceMs);
        cut.unref();
        try {
            const closing = app.close();
            app.server.closeIdleConnections();
            await closing;
            await stores.close();
            await stopTracing?.();
            process.exit(0);
        } catch (err) {
            app.log.error({ err }, "unclean stop");
            process.exit(1);
        }
    };
    process.on("SIGTERM", () => void stop("SIGTERM"));
    process.on("SIGINT", () => void stop("SIGINT"));

    await app.listen({ port: config.port, host: "0.0.0.0" });
}

main().catch((err) => {
    process.stderr.write(`The shop could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
