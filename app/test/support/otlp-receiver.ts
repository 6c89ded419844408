/**
 * An OTLP/HTTP receiver of the tests' own: it keeps every span the shop's exporter posts to
 * `/v1/traces` (OTLP's JSON encoding, which the exporter sends), with the service that sent it.
 */
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";

export interface ReceivedSpan {
    service: string;
    traceId: string;
    spanId: string;
    parentSpanId?: string;
    name: string;
    /** 1 internal, 2 server, 3 client. */
    kind: number;
    attributes: Record<string, unknown>;
}

interface OtlpValue {
    stringValue?: string;
    intValue?: string | number;
    boolValue?: boolean;
    doubleValue?: number;
}
interface OtlpAttribute {
    key: string;
    value: OtlpValue;
}
interface OtlpExport {
    resourceSpans?: {
        resource?: { attributes?: OtlpAttribute[] };
        scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttribute[] }[] }[];
    }[];
}

export interface OtlpReceiver {
    /** What SHOP_OTLP_ENDPOINT names. */
    url: string;
    spans: ReceivedSpan[];
    /** Posts received, whatever their content. */
    posts: number;
    /** Resolves once `found` holds for the spans received, or rejects after `timeoutMs`. */
    until(found: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
    stop(): Promise<void>;
}

const valueOf = (value: OtlpValue) => value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue));
const attributesOf = (attributes: OtlpAttribute[] = []) => Object.fromEntries(attributes.map((a) => [a.key, valueOf(a.value)]));

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
    const receiver = { spans: [] as ReceivedSpan[], posts: 0 };
    const server: Server = createServer((request, response) => {
        let body = "";
        request.on("data", (chunk) => (body += chunk));
        request.on("end", () => {
            receiver.posts++;
            if (request.method !== "POST" || request.url !== "/v1/traces" || !/json/.test(request.headers["content-type"] ?? "")) {
                response.writeHead(415).end();
                return;
            }
            const payload = JSON.parse(body) as OtlpExport;
            for (const resourceSpans of payload.resourceSpans ?? []) {
                const service = String(attributesOf(resourceSpans.resource?.attributes)["service.name"]);
                for (const scope of resourceSpans.scopeSpans ?? [])
                    for (const span of scope.spans ?? [])
                        receiver.spans.push({
                            service,
                            traceId: span.traceId,
                            spanId: span.spanId,
                            parentSpanId: span.parentSpanId || undefined,
                            name: span.name,
                            kind: span.kind,
                            attributes: attributesOf(span.attributes),
                        });
            }
            response.writeHead(200, { "content-type": "application/json" }).end("{}");
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        get spans() {
            return receiver.spans;
        },
        get posts() {
            return receiver.posts;
        },
        async until(found, timeoutMs = 20_000) {
            for (const deadline = Date.now() + timeoutMs; !found(receiver.spans);) {
                if (Date.now() > deadline) throw new Error(`the spans expected did not arrive within ${timeoutMs} ms; received: ${describe(receiver.spans)}`);
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
            return receiver.spans;
        },
        stop: () => new Promise((resolve) => server.close(() => resolve())),
    };
}

function describe(spans: ReceivedSpan[]): string {
    return spans.map((s) => `${s.service} ${s.name} ${s.traceId}`).join("; ") || "none";
}
