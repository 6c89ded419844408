/**
 * Every service client of a process (stages 11-13): the gateway's, the storefront's and the
 * orders' call to the catalog. Each has its own circuit breaker, which logs "circuit breaker
 * opened" with the service and the caller when it opens (the stacks count those lines), and one
 * gauge in /metrics shows them all. In a `gateway,web` process the gateway and the storefront
 * each call the same services: the caller tells their breakers apart.
 */
import { FastifyBaseLogger } from "fastify";
import { Gauge, Registry } from "prom-client";
import { CircuitBreaker } from "./circuit-breaker";
import { ServiceClient } from "./service-client";

export type Caller = "gateway" | "storefront" | "orders";

const gaugeValue = { closed: 0, "half-open": 0.5, open: 1 } as const;

export class ServiceClients {
    private readonly all: { caller: Caller; client: ServiceClient }[] = [];

    constructor(private readonly log: Pick<FastifyBaseLogger, "warn">) {}

    /** A client of `service` at `baseUrl` for `caller`, its breaker logged and in the gauge. */
    client(caller: Caller, service: string, baseUrl: string): ServiceClient {
        const breaker = new CircuitBreaker(undefined, undefined, () => this.log.warn({ service, caller }, "circuit breaker opened"));
        const client = new ServiceClient(service, baseUrl, { breaker });
        this.all.push({ caller, client });
        return client;
    }

    /** The breakers' gauge in `registry`; it reads the clients made before and after, at each scrape. */
    registerMetrics(registry: Registry): void {
        const all = this.all;
        new Gauge({
            name: "shop_service_breaker_open",
            help: "1 while the circuit breaker of a caller's remote service is open (calls fail at once), 0.5 half open, 0 closed",
            labelNames: ["service", "caller"],
            registers: [registry],
            collect() {
                for (const { caller, client } of all) this.set({ service: client.name, caller }, gaugeValue[client.breaker.state]);
            },
        });
    }
}
