/** Runs the shop in process for a test, on a real PostgreSQL database or on the embedded default. */
import { AddressInfo } from "node:net";
import { FastifyInstance } from "fastify";
import { buildApp } from "../../src/app";
import { readConfig } from "../../src/config";
import { openStores, Stores } from "../../src/db/stores";
import { PaymentProvider } from "../../src/modules/orders/payments";

export interface RunningShop {
    url: string;
    /** Where /metrics is served (a port of its own). */
    metricsUrl: string;
    app: FastifyInstance;
    stores: Stores;
    close(): Promise<void>;
}

export async function startShop(
    env: Record<string, string> = {},
    options: { payments?: PaymentProvider; logStream?: NodeJS.WritableStream } = {},
): Promise<RunningShop> {
    const config = readConfig({ SHOP_LOG_LEVEL: "warn", SHOP_SESSION_SECRET: "test-secret-test-secret-test-secret-1234", SHOP_METRICS_PORT: "0", ...env });
    const stores = await openStores(config);
    const app = await buildApp({ config, stores, payments: options.payments, logStream: options.logStream });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        metricsUrl: `http://127.0.0.1:${app.metricsPort()}/metrics`,
        app,
        stores,
        async close() {
            await app.close();
            await stores.close();
        },
    };
}

export { ShopClient } from "./shop-client";
