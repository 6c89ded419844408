/**
 * What a traced process (SHOP_OTLP_ENDPOINT set, tracing.ts) adds to its Fastify instance: the
 * trace and span ids in every log line written while a span is active, and the request's span
 * named by its route (`GET /api/products/:id`), as X-Ray and the tests look them up.
 */
import { trace } from "@opentelemetry/api";
import { FastifyInstance } from "fastify";

/** pino's mixin: the active span's ids, or nothing outside a span. */
export function traceIds(): Record<string, string> {
    const span = trace.getActiveSpan();
    if (!span) return {};
    const { traceId, spanId } = span.spanContext();
    return { trace_id: traceId, span_id: spanId };
}

export function nameRequestSpans(app: FastifyInstance): void {
    app.addHook("onRequest", async (request) => {
        const span = trace.getActiveSpan();
        const route = request.routeOptions.url;
        if (!span || !route) return;
        span.updateName(`${request.method} ${route}`);
        span.setAttribute("http.route", route);
    });
}
