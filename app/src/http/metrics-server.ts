/**
 * /metrics on a port of its own (SHOP_METRICS_PORT), never on the shop's: what it tells
 * (routes, versions, failed sign-in counts) is for Prometheus inside the network, and the
 * public entry forwards only the shop's port. It listens when the app is ready and closes
 * with it.
 */
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { FastifyInstance } from "fastify";
import { Registry } from "prom-client";

declare module "fastify" {
    interface FastifyInstance {
        /** The port /metrics listens on, once the app is ready. */
        metricsPort: () => number;
    }
}

export function startMetricsServer(app: FastifyInstance, registry: Registry, port: number): void {
    let server: Server | undefined;
    app.decorate("metricsPort", () => (server?.address() as AddressInfo | null)?.port ?? 0);
    app.addHook("onReady", async () => {
        server = createServer((request, response) => {
            const path = (request.url ?? "").split("?")[0];
            if (request.method !== "GET" || path !== "/metrics") {
                response.writeHead(404, { "content-type": "text/plain" }).end("only GET /metrics here\n");
                return;
            }
            registry.metrics().then(
                (text) => response.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" }).end(text),
                () => response.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable\n"),
            );
        });
        server.headersTimeout = 5_000;
        await new Promise<void>((resolve, reject) => {
            server!.once("error", reject);
            server!.listen(port, "0.0.0.0", () => resolve());
        });
    });
    app.addHook("onClose", async () => {
        if (!server) return;
        server.closeAllConnections();
        await new Promise((resolve) => server!.close(resolve));
    });
}
