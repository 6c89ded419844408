/**
 * Starts the shop: configuration read and checked once, databases opened and migrated,
 * then HTTP. On SIGTERM it stops accepting connections, finishes the requests in flight,
 * closes its pools and exits, so that a rolling deploy drops nothing.
 */
import { FastifyInstance } from "fastify";
import { buildApp } from "./app";
import { readConfig, ShopConfigError } from "./config";
import { openStores, Stores } from "./db/stores";

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
        try {
            await app.close();
            await stores.close();
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
