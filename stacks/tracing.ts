import { collectorHostOnInstances, otlpHttpPort, traceCollectorStatements } from "../components/trace-collector";
import { StackConfig } from "./config";
import { mergedEnvironment, ServerWiring } from "./server-wiring";

/**
 * Stage 12 on (issue 19), with the first services calling each other: every shop process sends
 * its spans to the collector beside it (components/trace-collector.ts), whose rights to write
 * to X-Ray are the instance's or the pod's.
 */
export function tracingWiring(config: StackConfig): ServerWiring {
    const host = config.stage.number >= 14 ? "localhost" : collectorHostOnInstances;
    return {
        environment: { SHOP_OTLP_ENDPOINT: `http://${host}:${otlpHttpPort}` },
        secrets: {},
        egressPorts: [],
        statements: traceCollectorStatements,
    };
}

/** Whether the wirings tell the shop to send spans, and so a collector must run beside it. */
export function collectsTraces(wirings: ServerWiring[]): boolean {
    return "SHOP_OTLP_ENDPOINT" in mergedEnvironment(wirings);
}
