/**
 * Calls to a module served by another process (stages 11-13): a timeout on every attempt,
 * retries with jittered exponential backoff for idempotent methods only (a checkout is never
 * sent twice by this client; its idempotency key makes a client's own retry safe), and a
 * circuit breaker. What comes back is the service's answer, or an Unavailable naming it.
 * Each call is a client span whose context goes with every attempt as W3C `traceparent`, so
 * that the service's spans join the caller's trace (tracing.ts; no-ops when tracing is off).
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { Unavailable } from "../http/unavailable";
import { CircuitBreaker } from "./circuit-breaker";

export interface ServiceRequest {
    method: string;
    /** Path and query string. */
    path: string;
    headers: Record<string, string>;
    body?: string;
}

export interface ServiceResponse {
    status: number;
    headers: Headers;
    body: string;
}

export interface ServiceClientOptions {
    /** Milliseconds an attempt may take. @default 2000 */
    timeoutMs?: number;
    /** Retries of an idempotent call after the first attempt. @default 2 */
    retries?: number;
    /** First backoff, doubled each retry, with jitter. @default 50 */
    backoffMs?: number;
    breaker?: CircuitBreaker;
}

const tracer = trace.getTracer("shop-service-client");

const idempotent = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
/** Answers that say the service, not the request, failed: worth another attempt. */
const retryable = new Set([502, 503, 504]);

export class ServiceClient {
    readonly breaker: CircuitBreaker;
    private readonly timeoutMs: number;
    private readonly retries: number;
    private readonly backoffMs: number;

    constructor(
        readonly name: string,
        private readonly baseUrl: string,
        options: ServiceClientOptions = {},
    ) {
        this.breaker = options.breaker ?? new CircuitBreaker();
        this.timeoutMs = options.timeoutMs ?? 2000;
        this.retries = options.retries ?? 2;
        this.backoffMs = options.backoffMs ?? 50;
    }

    call(request: ServiceRequest): Promise<ServiceResponse> {
        const attributes = { "peer.service": this.name, "http.request.method": request.method, "url.path": request.path.split("?")[0] };
        return tracer.startActiveSpan(`${this.name} ${request.method}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
            try {
                const answer = await this.attempts(request);
                span.setAttribute("http.response.status_code", answer.status);
                if (answer.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
                return answer;
            } catch (err) {
                span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
                throw err;
            } finally {
                span.end();
            }
        });
    }

    private async attempts(request: ServiceRequest): Promise<ServiceResponse> {
        const headers = { ...request.headers };
        propagation.inject(context.active(), headers);
        const attempts = idempotent.has(request.method) ? 1 + this.retries : 1;
        for (let attempt = 1; ; attempt++) {
            if (!this.breaker.allows()) throw new Unavailable(`the ${this.name} service`);
            let outcome: ServiceResponse | undefined;
            try {
                const response = await fetch(`${this.baseUrl}${request.path}`, {
                    method: request.method,
                    headers,
                    body: request.body,
                    redirect: "manual",
                    signal: AbortSignal.timeout(this.timeoutMs),
                });
                outcome = { status: response.status, headers: response.headers, body: await response.text() };
            } catch {
                outcome = undefined; // refused, reset or timed out
            }
            if (outcome && !retryable.has(outcome.status)) {
                this.breaker.succeeded();
                return outcome;
            }
            this.breaker.failed();
            if (attempt >= attempts) {
                if (outcome) return outcome;
                throw new Unavailable(`the ${this.name} service`);
            }
            const backoff = this.backoffMs * 2 ** (attempt - 1);
            await new Promise((resolve) => setTimeout(resolve, backoff / 2 + Math.random() * backoff));
        }
    }
}
