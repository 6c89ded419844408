/**
 * The shop as the process a container runs: it refuses bad configuration with a clear
 * message, and on SIGTERM it finishes the requests in flight before it exits.
 */
import * as http from "node:http";
import { freePort } from "./support/ports";
import { spawnShop } from "./support/shop-process";

function startProcess(env: Record<string, string>) {
    const shop = spawnShop(env);
    return { ...shop, exit: shop.exited };
}

async function waitUntilHealthy(url: string, exit: Promise<unknown>): Promise<void> {
    let exited = false;
    void exit.then(() => (exited = true));
    for (;;) {
        if (exited) throw new Error("the shop exited before it was healthy");
        try {
            if ((await fetch(`${url}/healthz`)).ok) return;
        } catch {
            // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

describe("the shop process", () => {
    it("exits with status 2 and one line per malformed variable, no stack trace", async () => {
        const shop = startProcess({ PORT: "0x50", SHOP_MODULES: "catalog,teleport" });
        expect(await shop.exit).toBe(2);
        const lines = shop.output().trim().split("\n");
        expect(lines[0]).toBe("Invalid shop configuration:");
        expect(lines.slice(1)).toEqual([expect.stringMatching(/^ {2}- PORT: /), expect.stringMatching(/^ {2}- SHOP_MODULES: unknown teleport/)]);
        expect(shop.output()).not.toMatch(/\n\s+at /);
    });

    it("on SIGTERM refuses new connections, finishes the request in flight and exits 0", async () => {
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        const shop = startProcess({ PORT: String(port), SHOP_LOG_LEVEL: "warn", SHOP_SESSION_SECRET: "process-test-secret-0123456789abcdef" });
        try {
            await waitUntilHealthy(url, shop.exit);
            const session = await fetch(`${url}/api/session`);
            const cookie = session.headers.getSetCookie()[0].split(";")[0];
            const { csrfToken } = (await session.json()) as { csrfToken: string };

            // A request whose body is still arriving when the signal comes.
            const body = JSON.stringify({ productId: 3, quantity: 2 });
            const request = http.request(`${url}/api/cart/items`, {
                method: "POST",
                headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
            });
            const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
                request.on("response", (res) => {
                    let text = "";
                    res.on("data", (chunk) => (text += chunk));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
                });
                request.on("error", reject);
            });
            request.write(body.slice(0, 10));
            await new Promise((resolve) => setTimeout(resolve, 200));
            shop.child.kill("SIGTERM");
            await new Promise((resolve) => setTimeout(resolve, 300));

            // Draining: the listener is closed while the request is still in flight.
            await expect(fetch(`${url}/healthz`)).rejects.toThrow();
            expect(shop.child.exitCode).toBeNull();
            request.end(body.slice(10));

            const answered = await response;
            expect(answered.status).toBe(200);
            expect(JSON.parse(answered.body)).toMatchObject({ count: 2 });
            expect(await shop.exit).toBe(0);
        } finally {
            shop.child.kill("SIGKILL");
        }
    });
});
