import { collectorHostOnInstances, otlpHttpPort, traceCollectorStatements } from "../components/trace-collector";
import { StackConfig } from "./config";
import { mergedEnvironment, ServerWiring } from "./server-wiring";
import { switchedOn } from "./registry";

/**
 * The share of requests traced, decided where a request enters (the entry app) and followed by every
 * service it calls (`parentbased`): X-Ray bills per trace recorded, and one request in ten shows the
 * paths and their times as well as all of them would.
 */
export const traceSampleRatio = 0.1;

/**
 * Stage 12 on (issue 19), with the first services calling each other: every shop process sends
 * its spans to the collector beside it (components/trace-collector.ts), whose rights to write
 * to X-Ray are the instance's or the pod's.
 */
export function tracingWiring(config: StackConfig): ServerWiring {
    const host = switchedOn(config.stage, "containers") ? "localhost" : collectorHostOnInstances;
    return {
        domain: "shared",
        environment: {
            SHOP_OTLP_ENDPOINT: `http://${host}:${otlpHttpPort}`,
            // OpenTelemetry's own variables, read by its SDK.
            OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
            OTEL_TRACES_SAMPLER_ARG: String(traceSampleRatio),
        },
        secrets: {},
        egressPorts: [],
        statements: traceCollectorStatements,
    };
}

/** Whether the wirings tell the shop to send spans, and so a collector must run beside it. */
export function collectsTraces(wirings: ServerWiring[]): boolean {
    return "SHOP_OTLP_ENDPOINT" in mergedEnvironment(wirings);
}
