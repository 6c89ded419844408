/**
 * The gateway (stages 12-13): one public API over the module services. Routes of modules
 * this process serves are handled here; the others are forwarded to
 * `SHOP_SERVICE_URL_<MODULE>` through a ServiceClient, with the visitor's cookies and CSRF
 * header, and the service's answer comes back with its cookies. The services' failures are
 * translated: a service down or its breaker open is a 503 naming it, a service's own 5xx a
 * 502, never a stack trace; a 4xx is the service's to give.
 */
import { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { Module } from "../config";
import { Unavailable } from "../http/unavailable";
import { moduleRoutes } from "./routes";
import { ServiceClient } from "./service-client";
import { ServiceClients } from "./service-clients";

declare module "fastify" {
    interface FastifyContextConfig {
        forwarded?: boolean;
    }
}

// A caller's trace context too: with tracing on, the service client replaces it with its own span's (service-client.ts).
const forwardedHeaders = ["cookie", "content-type", "x-csrf-token", "idempotency-key", "accept", "user-agent", "x-request-id", "traceparent", "tracestate"];

export interface GatewayOptions {
    /** Where each module this process does not serve lives (SHOP_SERVICE_URL_<MODULE>). */
    remote: Partial<Record<Module, string>>;
    /** The process's service clients: the gateway's join their breakers' log lines and gauge. */
    clients: ServiceClients;
}

/**
 * The forwarded routes on the instance itself (not encapsulated): the sessions' hooks see their
 * `forwarded` mark.
 */
export const gatewayPlugin = fp<GatewayOptions>(async (app, { remote, clients }) => registerGateway(app, remote, clients), {
    name: "shop-gateway",
    fastify: "5.x",
    dependencies: ["shop-operations", "shop-sessions"],
});

function registerGateway(app: FastifyInstance, remote: Partial<Record<Module, string>>, clients: ServiceClients): void {
    for (const [module, url] of Object.entries(remote) as [Module, string][]) {
        const routes = moduleRoutes[module];
        if (!routes) continue;
        const client = clients.client("gateway", module, url);
        for (const [methods, url] of routes) {
            // Marked, so that the gateway leaves making sessions to the service (session.ts).
            app.route({ method: methods, url, config: { forwarded: true }, handler: (request, reply) => forward(client, request, reply) });
        }
    }
}

async function forward(client: ServiceClient, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const headers: Record<string, string> = { "x-forwarded-for": request.ip };
    for (const name of forwardedHeaders) {
        const value = request.headers[name];
        if (typeof value === "string") headers[name] = value;
    }
    const body =
        request.body === undefined
            ? undefined
            : headers["content-type"]?.includes("json")
              ? JSON.stringify(request.body)
              : new URLSearchParams(request.body as Record<string, string>).toString();
    const answer = await client.call({ method: request.method, path: request.url, headers, body });
    if (answer.status >= 500) {
        if (answer.status === 503) throw new Unavailable(`the ${client.name} service`);
        return reply.code(502).send({ error: `the ${client.name} service failed; please try again` });
    }
    for (const cookie of answer.headers.getSetCookie()) reply.header("set-cookie", cookie);
    const type = answer.headers.get("content-type");
    if (type) reply.type(type);
    return reply.code(answer.status).send(answer.body);
}
