/**
 * Tracing across the services: OpenTelemetry spans of every request a process serves, of its
 * calls to other services (service-client.ts), to PostgreSQL, Redis and over HTTP (OpenSearch,
 * S3), exported over OTLP/HTTP to SHOP_OTLP_ENDPOINT (stage 12 on: the collector beside the shop,
 * which sends them to X-Ray). Trace context travels between processes in W3C `traceparent`.
 *
 * main.ts starts this before it loads the modules it instruments, and only when an endpoint is
 * set: without one, no SDK runs and the API's no-op tracer answers the few calls the shop makes.
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { modules, ShopConfig } from "./config";

/** Paths polled by load balancers, probes and Prometheus: a span each would bury the requests of people. */
const quietPaths = ["/healthz", "/readyz", "/metrics"];

/** The name a process's spans carry: `shop` for the whole shop, else its modules (`shop-gateway-web`). */
export function serviceName(config: Pick<ShopConfig, "modules">): string {
    return modules.every((m) => config.modules.includes(m)) ? "shop" : `shop-${config.modules.join("-")}`;
}

/** Starts the SDK; the function it returns sends the spans still buffered and stops it. */
export function startTracing(config: ShopConfig & { otlpEndpoint: string }): () => Promise<void> {
    const provider = new NodeTracerProvider({
        resource: resourceFromAttributes({ "service.name": serviceName(config), "cloud.region": config.region }),
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.otlpEndpoint}/v1/traces` }))],
    });
    // The context manager (AsyncLocalStorage) and the W3C trace-context propagator, for the whole process.
    provider.register();
    registerInstrumentations({
        tracerProvider: provider,
        instrumentations: [
            new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => quietPaths.includes((request.url ?? "").split("?")[0]) }),
            // Queries, not the pool's connection checkouts (a span each, on every request).
            new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
            new IORedisInstrumentation({ requireParentSpan: true }),
        ],
    });
    return () => provider.shutdown();
}
