/**
 * The shop as a Fastify instance: dependencies decorated once, each business module a
 * plugin, security headers, size limits, sessions with CSRF protection, operations routes,
 * and one error policy (bad input: 400 naming the field; never a stack trace to a client).
 */
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import helmet from "@fastify/helmet";
import Fastify, { FastifyError, FastifyInstance, FastifyPluginAsync, LogController } from "fastify";
import { Module, ShopConfig } from "./config";
import { Stores } from "./db/stores";
import { registerOperations } from "./http/operations";
import { sharedSchemas } from "./http/schemas";
import { registerSessions } from "./http/session";
import { cartPlugin } from "./modules/cart/plugin";
import { Catalog } from "./modules/catalog/catalog";
import { catalogPlugin } from "./modules/catalog/plugin";
import { Comments } from "./modules/comments/comments";
import { commentsPlugin } from "./modules/comments/plugin";
import { CheckoutError, Orders } from "./modules/orders/orders";
import { FakePaymentProvider, PaymentProvider } from "./modules/orders/payments";
import { ordersPlugin } from "./modules/orders/plugin";
import { ProductSearch } from "./modules/search/search";
import { registerSearchMetrics } from "./modules/search/metrics";
import { localMediaStore, s3MediaStore } from "./modules/catalog/media-store";
import { localMediaPlugin } from "./modules/catalog/media-plugin";
import { ensureProductPictures } from "./modules/catalog/product-media";
import { searchPlugin } from "./modules/search/plugin";
import { usersPlugin } from "./modules/users/plugin";
import { UserError, Users } from "./modules/users/users";
import { webPlugin } from "./modules/web/plugin";
import { Unavailable } from "./http/unavailable";
import { registerReadConsistency } from "./db/read-consistency";
import { ensurePaymentPartitions } from "./db/payment-partitions";
import { registerGateway } from "./gateway/plugin";
import "./services";
import { sharedState } from "./shared-state";

declare module "fastify" {
    interface FastifyInstance {
        region: string;
    }
}

export interface BuildOptions {
    config: ShopConfig;
    stores: Stores;
    /** @default the fake provider over the orders database */
    payments?: PaymentProvider;
}

/** Largest request body: forms and JSON of a shop are small. */
export const bodyLimit = 64 * 1024;

export async function buildApp({ config, stores, payments }: BuildOptions): Promise<FastifyInstance> {
    const app = Fastify({
        logger: { level: config.logLevel },
        trustProxy: true,
        bodyLimit,
        requestIdHeader: "x-request-id",
        logController: new LogController({ disableRequestLogging: true }),
        ajv: { customOptions: { allErrors: false } },
    });

    // One JSON line per request, written when the response is done (routes with logLevel "warn", such as /healthz, stay quiet).
    app.addHook("onResponse", async (request, reply) => {
        request.log.info({ method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, "request");
    });

    // Product pictures: pages load them from the bucket (presigned URLs) or from the shop itself.
    const media = config.mediaBucket ? await s3MediaStore(config.mediaBucket, config.mediaRegion!) : localMediaStore(config.mediaDir);
    app.addHook("onClose", async () => media.close());

    await app.register(cookie, { secret: config.sessionSecret });
    registerReadConsistency(app);
    await app.register(formbody, { bodyLimit });
    await app.register(helmet, {
        contentSecurityPolicy: { directives: { "form-action": ["'self'"], "img-src": ["'self'", "data:", ...media.imageOrigins] } },
        hsts: { maxAge: 31536000, includeSubDomains: false },
    });
    for (const schema of sharedSchemas) app.addSchema(schema);

    const shared = sharedState(app, config, stores);
    await shared.ready(5000);
    const { cache, sessions, carts, signInAttempts } = shared;
    const catalog = new Catalog(stores.catalog, cache);
    const users = new Users(stores.users, sessions);
    // Instances that serve the catalog or search keep the index fed from the catalog's outbox.
    const search = new ProductSearch(stores.catalog, app.log, {
        searchUrl: config.searchUrl,
        searchPassword: config.searchPassword,
        relay: config.modules.includes("catalog") || config.modules.includes("search"),
    });
    app.decorate("region", config.region);
    app.decorate("signInAttempts", signInAttempts);
    app.decorate("shop", {
        catalog,
        search,
        media,
        carts,
        users,
        comments: new Comments(stores.commentShards),
        orders: new Orders(stores.orders, stores.catalog, catalog, carts, payments ?? new FakePaymentProvider(stores.orders)),
    });

    // The next months' payment partitions, made again daily by every instance (idempotent, under a lock).
    const partitions = setInterval(
        () => void ensurePaymentPartitions(stores.orders).catch((err: Error) => app.log.error({ err: err.message }, "payment partitions")),
        24 * 3600 * 1000,
    );
    partitions.unref();
    app.addHook("onClose", async () => clearInterval(partitions));

    const registry = registerOperations(app, { region: config.region, databases: stores.all, cache });
    registerSearchMetrics(registry, search, stores.catalog);
    search.start();
    app.addHook("onClose", () => search.close());
    if (config.modules.includes("catalog") || config.modules.includes("web"))
        void ensureProductPictures(media, stores.catalog, app.log).catch((err: Error) =>
            app.log.error({ err: err.message }, "media: product pictures not stored"),
        );
    registerSessions(app, users, config.sessionSecret);

    app.setErrorHandler((error: FastifyError, request, reply) => {
        if (error.validation) return reply.code(400).send({ error: error.message });
        if (error instanceof UserError) return reply.code(error.status).send({ error: `${error.field}: ${error.message}` });
        if (error instanceof Unavailable) return reply.code(503).header("retry-after", "2").send({ error: error.message });
        if (error instanceof CheckoutError) return reply.code(error.status).send({ error: error.message, order: error.order });
        if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return reply.code(error.statusCode).send({ error: error.message });
        request.log.error({ err: error }, "request failed");
        return reply.code(500).send({ error: "something went wrong on our side; please try again" });
    });
    app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url.split("?")[0]}` }));

    // SHOP_MODULES: the modules this process serves; with the gateway, the others are forwarded to their services.
    const plugins: [Module, FastifyPluginAsync][] = [
        ["catalog", catalogPlugin],
        ["search", searchPlugin],
        ["cart", cartPlugin],
        ["users", usersPlugin],
        ["orders", ordersPlugin],
        ["comments", commentsPlugin],
        ["web", webPlugin],
    ];
    for (const [module, plugin] of plugins) if (config.modules.includes(module)) await app.register(plugin);
    if (media.kind === "local" && config.modules.includes("web")) await app.register(localMediaPlugin(config.mediaDir));
    if (config.modules.includes("gateway")) {
        registerGateway(app, Object.fromEntries(Object.entries(config.serviceUrls).filter(([module]) => !config.modules.includes(module as Module))), registry);
    }
    return app;
}
