/**
 * Helmet's security headers (CSP, HSTS, frame and content-type options...) on every response,
 * computed once at start: @fastify/helmet builds helmet's middleware again for each request,
 * about a tenth of a cached read's time. No header depends on the request, so the values are
 * the same as helmet's.
 */
import helmet, { HelmetOptions } from "helmet";
import { FastifyInstance } from "fastify";
import { IncomingMessage, ServerResponse } from "node:http";

/** The headers helmet sets with `options`, by name. */
export function securityHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
    const headers: Record<string, string> = {};
    const response = {
        setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
        removeHeader: (name: string) => void delete headers[name.toLowerCase()],
    };
    helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (err?: unknown) => {
        if (err) throw err;
    });
    return headers;
}

export function registerSecurityHeaders(app: FastifyInstance, options: Readonly<HelmetOptions>): void {
    const headers = securityHeaders(options);
    app.addHook("onRequest", (_request, reply, done) => {
        reply.headers(headers);
        done();
    });
}
