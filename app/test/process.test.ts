/**
 * The shop as the process a container runs: it refuses bad configuration with a clear
 * message, and on SIGTERM it finishes the requests in flight before it exits.
 */
import { spawn } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";
import { acceptsConnections, freePort } from "../../tools/servers/ports";
import { PostgresServer, startPostgres } from "../../tools/servers/postgres";
import { spawnShop } from "../../tools/servers/shop-process";

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
    // On PostgreSQL, as a container runs it: the embedded default's start is `npm run shop`'s, below.
    let postgres: PostgresServer;
    beforeAll(async () => {
        postgres = await startPostgres();
    }, 60_000);
    afterAll(async () => {
        await postgres?.stop();
    });

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
        const shop = startProcess({
            PORT: String(port),
            SHOP_METRICS_PORT: String(await freePort()),
            SHOP_LOG_LEVEL: "warn",
            SHOP_SESSION_SECRET: "process-test-secret-0123456789abcdef",
            SHOP_DATABASE_URL: await postgres.createDatabase("in_flight"),
        });
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
            const response = new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
                request.on("response", (res) => {
                    let text = "";
                    res.on("data", (chunk) => (text += chunk));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }));
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
            // The reply in flight closes its connection: the client does not keep it to a process going away.
            expect(answered.connection).toBe("close");
            expect(JSON.parse(answered.body)).toMatchObject({ count: 2 });
            expect(await shop.exit).toBe(0);
        } finally {
            shop.child.kill("SIGKILL");
        }
    }, 120_000);

    it("is gone within 5 s of SIGTERM while keep-alive clients sit idle on it", async () => {
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        const shop = startProcess({
            PORT: String(port),
            SHOP_METRICS_PORT: String(await freePort()),
            SHOP_LOG_LEVEL: "warn",
            SHOP_DATABASE_URL: await postgres.createDatabase("kept_alive"),
        });
        const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
        try {
            await waitUntilHealthy(url, shop.exit);
            // Ten connections, each kept open by the agent after its request.
            await Promise.all(
                Array.from(
                    { length: 10 },
                    () =>
                        new Promise<void>((resolve, reject) =>
                            http.get(`${url}/api/categories`, { agent }, (res) => res.resume().on("end", () => resolve())).on("error", reject),
                        ),
                ),
            );
            expect(Object.values(agent.freeSockets).flat().length).toBeGreaterThan(0);
            // And one request in flight on a kept-alive connection when the signal comes: its client keeps the connection after the reply unless told not to.
            const inFlight = http.request(`${url}/api/session`, {
                method: "POST",
                agent,
                headers: { "content-type": "application/json", "content-length": "18" },
            });
            const replied = new Promise<string | undefined>((resolve) =>
                inFlight.on("response", (res) => res.resume().on("end", () => resolve(res.headers.connection))),
            );
            inFlight.write('{"email": ');
            await new Promise((resolve) => setTimeout(resolve, 200));
            const signalled = Date.now();
            shop.child.kill("SIGTERM");
            await new Promise((resolve) => setTimeout(resolve, 300));
            inFlight.end('"a@b.c"}');
            expect(await replied).toBe("close");
            // The deadline's timer unref'd: left running after the exit, it would hold the test's worker open.
            const code = await Promise.race([shop.exit, new Promise((resolve) => setTimeout(() => resolve("still running after 5 s"), 5_000).unref())]);
            expect(code).toBe(0);
            expect(Date.now() - signalled).toBeLessThan(5_000);
        } finally {
            agent.destroy();
            shop.child.kill("SIGKILL");
        }
    }, 120_000);

    it("stops with `npm run shop` when that gets SIGTERM, leaving no server behind", async () => {
        const port = await freePort();
        const root = path.resolve(__dirname, "..", "..");
        const npm = spawn("npm", ["run", "--silent", "shop"], {
            cwd: root,
            env: {
                PATH: process.env.PATH ?? "",
                HOME: process.env.HOME ?? "/root",
                PORT: String(port),
                SHOP_METRICS_PORT: String(await freePort()),
                SHOP_LOG_LEVEL: "warn",
            },
            stdio: "ignore",
        });
        const exited = new Promise((resolve) => npm.on("exit", resolve));
        try {
            await waitUntilHealthy(`http://127.0.0.1:${port}`, exited);
            npm.kill("SIGTERM");
            await exited;
            for (const deadline = Date.now() + 5_000; (await acceptsConnections(port)) && Date.now() < deadline;)
                await new Promise((resolve) => setTimeout(resolve, 100));
            expect(await acceptsConnections(port)).toBe(false);
        } finally {
            npm.kill("SIGKILL");
        }
    }, 120_000);
});
