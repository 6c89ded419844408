/**
 * The shop as a Fastify instance: dependencies decorated once, each business module a
 * plugin, security headers, size limits, sessions with CSRF protection, operations routes,
 * and one error policy (bad input: 400 naming the field; never a stack trace to a client).
 */
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import { randomUUID } from "node:crypto";
import Fastify, { FastifyInstance, FastifyPluginAsync, LogController } from "fastify";
import { Module, ShopConfig } from "./config";
import { Stores } from "./db/stores";
import { operationsPlugin } from "./http/operations";
import { sharedSchemas } from "./http/schemas";
import { sessionsPlugin } from "./http/session";
import { cartPlugin } from "./modules/cart/plugin";
import { Catalog } from "./modules/catalog/catalog";
import { catalogPlugin } from "./modules/catalog/plugin";
import { Stock } from "./modules/catalog/stock";
import { stockPlugin } from "./modules/catalog/stock-plugin";
import { CatalogService, inProcessCatalog } from "./modules/orders/catalog-access";
import { Comments } from "./modules/comments/comments";
import { commentsPlugin } from "./modules/comments/plugin";
import { Orders } from "./modules/orders/orders";
import { FakePaymentProvider, PaymentProvider } from "./modules/orders/payments";
import { ordersPlugin } from "./modules/orders/plugin";
import { CheckoutSweeper } from "./modules/orders/sweeper";
import { openSearchClients, ProductSearch } from "./modules/search/search";
import { registerSearchMetrics } from "./modules/search/metrics";
import { localMediaStore, s3MediaStore } from "./modules/catalog/media-store";
import { localMediaPlugin } from "./modules/catalog/media-plugin";
import { ensureProductPictures } from "./modules/catalog/product-media";
import { searchPlugin } from "./modules/search/plugin";
import { usersInternalPlugin, usersPlugin } from "./modules/users/plugin";
import { Users } from "./modules/users/users";
import { webPlugin } from "./modules/web/plugin";
import { inProcessStorefront } from "./modules/web/storefront";
import { withServices } from "./modules/web/storefront-services";
import { storefrontRemote } from "./db/ownership";
import { registerErrorHandler } from "./http/error-handler";
import { controlCharacters, registerInputRules, textKeyword } from "./http/input-rules";
import { keptSchemaCompilers } from "./http/kept-schemas";
import { startMetricsServer } from "./http/metrics-server";
import { registerReadConsistency } from "./db/read-consistency";
import { ReplicatedDatabase } from "./db/replicated-database";
import { registerSecurityHeaders } from "./http/security-headers";
import { ensurePaymentPartitions } from "./db/payment-partitions";
import { gatewayPlugin } from "./gateway/plugin";
import { ServiceClients } from "./gateway/service-clients";
import "./services";
import { sharedState } from "./shared-state";
import { nameRequestSpans, traceIds } from "./http/trace-context";
import { registerFeatureFlags } from "./flags/plugin";
import { registerFlagMetrics } from "./flags/flag-metrics";

declare module "fastify" {
    interface FastifyInstance {
        region: string;
        checkoutSweeper: CheckoutSweeper;
    }
}

/** How often an instance tries to sweep abandoned checkouts. */
const sweepEveryMs = 30_000;

export interface BuildOptions {
    config: ShopConfig;
    stores: Stores;
    /** @default the fake provider over the orders database */
    payments?: PaymentProvider;
    /** Where log lines go. @default standard output */
    logStream?: NodeJS.WritableStream;
}

/** Largest request body: forms and JSON of a shop are small. */
export const bodyLimit = 64 * 1024;

/** A request id a client or Nginx may give: short, plain characters; any other gets a new one. */
const requestIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;

/** Seconds a client has to send its request headers (slow clients must not hold connections). */
export const headersTimeoutMs = 5_000;

export async function buildApp({ config, stores, payments, logStream }: BuildOptions): Promise<FastifyInstance> {
    const traced = config.otlpEndpoint !== undefined;
    const app = Fastify({
        logger: {
            level: config.logLevel,
            // An error of a query carries its parameters (an email, a password hash): never in a log line.
            redact: { paths: ["err.params", "err.parameters", "err.query", "err.cause.params", "err.cause.query", "cause.params"], censor: "[redacted]" },
            ...(logStream ? { stream: logStream } : {}),
            // Traced: each line names its trace, to go from a log line to the whole request across the services.
            ...(traced ? { mixin: traceIds } : {}),
        },
        // X-Forwarded-For is believed only from the configured proxies: a client writes its own.
        trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
        bodyLimit,
        requestIdHeader: false,
        genReqId: (request) => {
            const given = request.headers["x-request-id"];
            return typeof given === "string" && requestIdPattern.test(given) ? given : randomUUID();
        },
        logController: new LogController({ disableRequestLogging: true }),
        // Strict types (input-rules.ts reads decimal numbers from URLs and forms); every text without control characters.
        ajv: { customOptions: { allErrors: false, coerceTypes: false }, plugins: [textKeyword] },
        schemaController: { compilersFactory: keptSchemaCompilers(config.compiledSchemasDir, { textRules: controlCharacters }) },
        // Headers must arrive within seconds, checked every second; a whole request within 30 s.
        http: { headersTimeout: headersTimeoutMs, connectionsCheckingInterval: 1_000 },
        requestTimeout: 30_000,
    });

    if (traced) nameRequestSpans(app);

    // One JSON line per request, written when the response is done (routes with logLevel "warn", such as /healthz, stay quiet).
    app.addHook("onResponse", async (request, reply) => {
        request.log.info(
            { method: request.method, url: request.url, status: reply.statusCode, client: request.ip, ms: Math.round(reply.elapsedTime * 10) / 10 },
            "request",
        );
    });

    // Stopping: replies still being sent close their connection, so that no client keeps one to a process going away.
    let closing = false;
    app.addHook("preClose", async () => {
        closing = true;
    });
    app.addHook("onSend", async (_request, reply) => {
        if (closing) reply.header("connection", "close");
        // Personal by default (a cart, orders, a CSRF token): no cache keeps a copy. Public responses say so themselves.
        if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    });

    registerInputRules(app);

    // Product pictures: pages load them from the bucket (presigned URLs) or from the shop itself.
    const media = config.mediaBucket ? await s3MediaStore(config.mediaBucket, config.mediaRegion!) : localMediaStore(config.mediaDir);
    app.addHook("onClose", async () => media.close());

    await app.register(cookie, { secret: config.sessionSecret });
    registerReadConsistency(
        app,
        stores.all.some((db) => db instanceof ReplicatedDatabase),
    );
    await app.register(formbody, { bodyLimit });
    registerSecurityHeaders(app, {
        contentSecurityPolicy: {
            // Not upgrade-insecure-requests: the shop is also served over plain HTTP (a laptop, a phone on the same network);
            // behind TLS, HSTS keeps browsers on HTTPS.
            directives: { "form-action": ["'self'"], "img-src": ["'self'", "data:", ...media.imageOrigins], "upgrade-insecure-requests": null },
        },
        hsts: { maxAge: 31536000, includeSubDomains: false },
    });
    for (const schema of sharedSchemas) app.addSchema(schema);

    const flags = await registerFeatureFlags(app, config);
    const shared = sharedState(app, config, stores, () => flags.enabled("cacheLevel2"));
    await shared.ready(5000);
    const { cache, sessions, carts, signInAttempts } = shared;
    const catalog = new Catalog(stores.catalog, cache);
    const stock = new Stock(stores.catalog, catalog);
    const owns = (domain: (typeof stores.domains)[number]) => stores.domains.includes(domain);
    // Every call to another process's service: each client's breaker logged when it opens, all of them in one gauge.
    const serviceClients = new ServiceClients(app.log);
    // Products and stock are the catalog's: in process where this process owns them, else through its service.
    const catalogAccess =
        !owns("catalog") && config.serviceUrls.catalog
            ? new CatalogService(serviceClients.client("orders", "catalog", config.serviceUrls.catalog), config.sessionSecret)
            : inProcessCatalog(catalog, stock);
    const users = new Users(stores.users, sessions, cache);
    // Instances that serve the catalog or search keep the index fed from the catalog's outbox.
    const search = new ProductSearch(stores.catalog, app.log, {
        clients: config.searchUrl ? await openSearchClients(config.searchUrl, config.searchPassword) : undefined,
        relay: owns("catalog") && (config.modules.includes("catalog") || config.modules.includes("search")),
        enabled: () => flags.enabled("opensearch"),
    });
    app.decorate("region", config.region);
    app.decorate("signInAttempts", signInAttempts);
    const comments = new Comments(stores.commentShards);
    const orders = new Orders(stores.orders, catalogAccess, carts, payments ?? new FakePaymentProvider(stores.orders));
    // The storefront's pages: each module in process, or through its service where this process does not own its data (db/ownership.ts).
    const remoteModules = storefrontRemote(config.modules, config.serviceUrls).map((m) => [m, config.serviceUrls[m]!]);
    const storefront = withServices(
        inProcessStorefront({ catalog, search, comments, orders, users }),
        Object.fromEntries(remoteModules),
        { secret: config.sessionSecret, signCookie: (value) => app.signCookie(value) },
        serviceClients,
    );
    app.decorate("shop", { catalog, search, media, carts, users, comments, catalogAccess, orders, storefront });

    // The next months' payment partitions, made again daily by every instance that owns the orders (idempotent, under a lock);
    // with external migrations, by the migration function at every deploy (a missing month lands in the default partition).
    if (owns("orders") && config.migrations !== "external") {
        const partitions = setInterval(
            () => void ensurePaymentPartitions(stores.orders).catch((err: Error) => app.log.error({ err: err.message }, "payment partitions")),
            24 * 3600 * 1000,
        );
        partitions.unref();
        app.addHook("onClose", async () => clearInterval(partitions));
    }

    // Abandoned checkouts finished by whichever instance holds the sweeper's lease.
    const sweeper = new CheckoutSweeper(stores.orders, orders);
    app.decorate("checkoutSweeper", sweeper);
    if (config.modules.includes("orders")) {
        const sweeping = setInterval(() => void sweeper.sweep().catch((err: Error) => app.log.warn({ err: err.message }, "checkout sweeper")), sweepEveryMs);
        sweeping.unref();
        app.addHook("onClose", async () => clearInterval(sweeping));
    }

    await app.register(operationsPlugin, { region: config.region, databases: stores.all, cache, schemaProblems: stores.schemaProblems });
    const registry = app.metricsRegistry;
    registerSearchMetrics(registry, search, stores.catalog);
    registerFlagMetrics(registry, flags);
    serviceClients.registerMetrics(registry);
    if (owns("catalog")) search.start();
    app.addHook("onClose", () => search.close());
    startMetricsServer(app, registry, config.metricsPort);
    if (owns("catalog") && (config.modules.includes("catalog") || config.modules.includes("web")))
        void ensureProductPictures(media, stores.catalog, app.log).catch((err: Error) =>
            app.log.error({ err: err.message }, "media: product pictures not stored"),
        );
    await app.register(sessionsPlugin, { users, secret: config.sessionSecret });
    registerErrorHandler(app);

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
    if (config.modules.includes("catalog")) await app.register(stockPlugin(stock));
    if (config.modules.includes("users")) await app.register(usersInternalPlugin);
    if (media.kind === "local" && config.modules.includes("web")) await app.register(localMediaPlugin(config.mediaDir));
    if (config.modules.includes("gateway")) {
        const remote = Object.fromEntries(Object.entries(config.serviceUrls).filter(([module]) => !config.modules.includes(module as Module)));
        await app.register(gatewayPlugin, { remote, clients: serviceClients });
    }
    return app;
}
