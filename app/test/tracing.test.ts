/**
 * Tracing across the services, on real processes: the shop split as stage 13 splits it (a
 * catalog service, a commerce service, a gateway), each exporting its spans over OTLP/HTTP to a
 * receiver of this test's own. A checkout is one trace from the gateway through the orders
 * service down to its database; a customer's trace context, carried in `traceparent`, joins
 * the gateway's, the catalog's and the orders' spans under one trace id; the log lines name
 * the trace; and a process with no SHOP_OTLP_ENDPOINT exports nothing.
 */
import { randomBytes } from "node:crypto";
import { OtlpReceiver, ReceivedSpan, startOtlpReceiver } from "./support/otlp-receiver";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { ShopClient } from "./support/shop";
import { ShopProcess, startShopProcess } from "../../tools/servers/shop-process";

const server = 2;
const client = 3;

/** Spans leave a process in batches; a short delay keeps the test quick. */
const traced = (endpoint: string) => ({ SHOP_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: "200", SHOP_LOG_LEVEL: "info" });

describe("traces across the gateway and the services", () => {
    let postgres: PostgresServer;
    let receiver: OtlpReceiver;
    let catalog: ShopProcess;
    let commerce: ShopProcess;
    let gateway: ShopProcess;
    let buyer: ShopClient;
    /** Not traced, with OpenTelemetry's own variables naming a receiver of its own. */
    let untraced: ShopProcess;
    let untracedReceiver: OtlpReceiver;

    beforeAll(async () => {
        [postgres, receiver, untracedReceiver] = await Promise.all([startPostgres(), startOtlpReceiver(), startOtlpReceiver()]);
        const database = await postgres.createDatabase("shop");
        // One after the other, so that each is known to afterAll once started, whatever fails next.
        catalog = await startShopProcess({ SHOP_DATABASE_URL: database, SHOP_MODULES: "catalog,search", ...traced(receiver.url) });
        // Stock and products are the catalog's: the commerce process reaches them through its API.
        commerce = await startShopProcess({
            SHOP_DATABASE_URL: database,
            SHOP_MODULES: "cart,users,orders,comments",
            SHOP_SERVICE_URL_CATALOG: catalog.url,
            ...traced(receiver.url),
        });
        untraced = await startShopProcess({
            SHOP_DATABASE_URL: database,
            SHOP_MODULES: "users,cart",
            SHOP_SERVICE_URL_CATALOG: catalog.url,
            SHOP_LOG_LEVEL: "info",
            OTEL_EXPORTER_OTLP_ENDPOINT: untracedReceiver.url,
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${untracedReceiver.url}/v1/traces`,
            OTEL_BSP_SCHEDULE_DELAY: "100",
        });
        gateway = await startShopProcess({
            SHOP_DATABASE_URL: database,
            SHOP_MODULES: "gateway,web",
            SHOP_SERVICE_URL_CATALOG: catalog.url,
            SHOP_SERVICE_URL_SEARCH: catalog.url,
            ...Object.fromEntries(["CART", "USERS", "ORDERS", "COMMENTS"].map((m) => [`SHOP_SERVICE_URL_${m}`, commerce.url])),
            ...traced(receiver.url),
        });
        buyer = await new ShopClient(gateway.url).open();
        await buyer.register("traced@example.com", "Traced Buyer");
    }, 240_000);
    afterAll(async () => {
        await Promise.all([gateway, commerce, catalog, untraced].map((p) => p?.stop()));
        await Promise.all([receiver, untracedReceiver].map((r) => r?.stop()));
        await postgres?.stop();
    });

    it("shows a checkout as one trace: the gateway's request and its call, the orders service's request and its queries", async () => {
        await buyer.request("POST", "/api/cart/items", { json: { productId: 3, quantity: 1 } });
        const order = await buyer.request("POST", "/api/checkout", { headers: { "idempotency-key": "traced-order-1" } });
        expect(order.status).toBe(200);

        const isGatewayCheckout = (s: ReceivedSpan) => s.service === "shop-gateway-web" && s.kind === server && s.name === "POST /api/checkout";
        const spans = await receiver.until((all) => {
            const root = all.find(isGatewayCheckout);
            // The service's request span ends after its queries (and its calls to the catalog): wait for both.
            const inTrace = (s: ReceivedSpan) => !!root && s.traceId === root.traceId && s.service === "shop-cart-users-orders-comments";
            return (
                all.some((s) => inTrace(s) && s.name.startsWith("pg.query:COMMIT")) &&
                all.some((s) => inTrace(s) && s.kind === server && s.name === "POST /api/checkout")
            );
        });
        const root = spans.find(isGatewayCheckout)!;
        const trace = spans.filter((s) => s.traceId === root.traceId);
        expect(root.parentSpanId).toBeUndefined();

        // The gateway's call to the orders service is a child of its request, and the service's request a child of that call.
        const call = trace.find((s) => s.service === "shop-gateway-web" && s.kind === client && s.name === "orders POST");
        expect(call?.parentSpanId).toBe(root.spanId);
        const served = trace.find((s) => s.service === "shop-cart-users-orders-comments" && s.kind === server && s.name === "POST /api/checkout");
        expect(served?.parentSpanId).toBe(call!.spanId);
        expect(served?.attributes["http.route"]).toBe("/api/checkout");
        // The orders service's queries hang under its request.
        const queries = trace.filter((s) => s.service === "shop-cart-users-orders-comments" && s.name.startsWith("pg.query"));
        expect(queries.length).toBeGreaterThan(0);
        const ids = new Set(trace.map((s) => s.spanId));
        expect(queries.every((q) => q.parentSpanId && ids.has(q.parentSpanId))).toBe(true);
    });

    it("carries a caller's traceparent through the gateway: the gateway's, the catalog's and the orders' spans under one trace id", async () => {
        const traceId = randomBytes(16).toString("hex");
        const traceparent = () => ({ traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` });
        expect((await buyer.request("GET", "/api/products/7", { headers: traceparent() })).status).toBe(200);
        await buyer.request("POST", "/api/cart/items", { json: { productId: 7, quantity: 2 }, headers: traceparent() });
        const order = await buyer.request("POST", "/api/checkout", { headers: { "idempotency-key": "traced-order-2", ...traceparent() } });
        expect(order.status).toBe(200);

        const services = (spans: ReceivedSpan[]) =>
            new Set(spans.filter((s) => s.traceId === traceId && s.kind === server).map((s) => `${s.service} ${s.name}`));
        const wanted = [
            "shop-gateway-web GET /api/products/:id",
            "shop-catalog-search GET /api/products/:id",
            "shop-gateway-web POST /api/checkout",
            "shop-cart-users-orders-comments POST /api/checkout",
        ];
        const spans = await receiver.until((all) => wanted.every((name) => services(all).has(name)));
        expect([...services(spans)]).toEqual(expect.arrayContaining(wanted));
    });

    it("writes the trace id into the log line of each request", async () => {
        const traceId = randomBytes(16).toString("hex");
        expect((await buyer.request("GET", "/api/products/9", { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` } })).status).toBe(
            200,
        );
        // Written once the response is sent, and read through a pipe: waited for.
        const requestLine = async (shop: ShopProcess) => {
            for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
                const line = shop
                    .output()
                    .split("\n")
                    .filter((text) => text.startsWith("{"))
                    .map((text) => JSON.parse(text))
                    .find((entry) => entry.msg === "request" && entry.url === "/api/products/9");
                if (line) return line;
            }
            return undefined;
        };
        // The gateway and the catalog service each log the request, under the caller's trace.
        expect(await requestLine(gateway)).toMatchObject({
            url: "/api/products/9",
            trace_id: traceId,
            status: 200,
            span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
        });
        expect(await requestLine(catalog)).toMatchObject({ trace_id: traceId, status: 200 });
    });

    it("exports nothing from a process without SHOP_OTLP_ENDPOINT, and writes no trace ids, even with OpenTelemetry's own variables set", async () => {
        const headers = { traceparent: `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01` };
        for (const path of ["/api/session", "/api/cart"]) expect((await fetch(`${untraced.url}${path}`, { headers })).status).toBe(200);
        // Ten times the batch delay the SDK was told, then a stop, which would send what is left.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await untraced.stop();
        expect(untracedReceiver.posts).toBe(0);
        expect(untraced.output()).toContain('"msg":"request"');
        expect(untraced.output()).not.toContain("trace_id");
    });
});
