/**
 * The service client against real HTTP servers on loopback: what it retries, what it never
 * retries, and when its breaker opens and closes.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { CircuitBreaker } from "../src/gateway/circuit-breaker";
import { ServiceClient } from "../src/gateway/service-client";
import { Unavailable } from "../src/http/unavailable";
import { freePort } from "../../tools/servers/ports";

/** A server that answers each request with the next status of `statuses` (the last one repeats), counting requests. */
async function serve(statuses: number[]): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
    let hits = 0;
    const server = http.createServer((_request, response) => {
        const status = statuses[Math.min(hits++, statuses.length - 1)];
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ status }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        hits: () => hits,
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}

const get = { method: "GET", path: "/api/products/1", headers: {} };
const post = { method: "POST", path: "/api/checkout", headers: { "content-type": "application/json" }, body: "{}" };

describe("ServiceClient", () => {
    it("retries an idempotent call that meets a 503, and returns the answer that follows", async () => {
        const service = await serve([503, 503, 200]);
        try {
            const answer = await new ServiceClient("catalog", service.url, { backoffMs: 1 }).call(get);
            expect(answer.status).toBe(200);
            expect(service.hits()).toBe(3);
        } finally {
            await service.close();
        }
    });

    it("never sends a POST twice, and passes a 4xx through as the service's answer", async () => {
        const failing = await serve([503, 200]);
        const refusing = await serve([409]);
        try {
            expect((await new ServiceClient("orders", failing.url, { backoffMs: 1 }).call(post)).status).toBe(503);
            expect(failing.hits()).toBe(1);
            expect((await new ServiceClient("orders", refusing.url, { backoffMs: 1 }).call(post)).status).toBe(409);
        } finally {
            await failing.close();
            await refusing.close();
        }
    });

    it("opens its breaker after repeated failures, fails at once while open, and closes after a successful trial", async () => {
        const port = await freePort(); // nothing listens: connections are refused
        let opened = 0;
        const breaker = new CircuitBreaker(3, 200, () => opened++);
        const client = new ServiceClient("catalog", `http://127.0.0.1:${port}`, { breaker, retries: 0 });
        for (let i = 0; i < 2; i++) await expect(client.call(get)).rejects.toBeInstanceOf(Unavailable);
        expect([breaker.state, opened]).toEqual(["closed", 0]);
        await expect(client.call(get)).rejects.toBeInstanceOf(Unavailable);
        // Heard once as it opens (the shop logs it, CloudWatch counts the lines), not again while it stays open.
        expect([breaker.state, opened]).toEqual(["open", 1]);
        await expect(client.call(get)).rejects.toThrow("the catalog service is unavailable");
        expect(opened).toBe(1);
        // A failed trial opens it again: heard again.
        await new Promise((resolve) => setTimeout(resolve, 250));
        await expect(client.call(get)).rejects.toBeInstanceOf(Unavailable);
        expect([breaker.state, opened]).toEqual(["open", 2]);

        const service = http.createServer((_request, response) => response.end("{}"));
        await new Promise<void>((resolve) => service.listen(port, "127.0.0.1", resolve));
        try {
            await new Promise((resolve) => setTimeout(resolve, 250));
            expect(breaker.state).toBe("half-open");
            expect((await client.call(get)).status).toBe(200);
            expect(breaker.state).toBe("closed");
        } finally {
            await new Promise((resolve) => service.close(resolve));
        }
    });
});
