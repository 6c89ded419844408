import * as http from "node:http";
import * as net from "node:net";
import { NginxConfArgs, renderNginxConf } from "../components/edge/nginx-conf";
import { freePort } from "../tools/servers/ports";
import { nginxTest, startNginx } from "../tools/servers/nginx";

const servers: NginxConfArgs = { upstream: { servers: [{ address: "10.0.0.10:8080" }, { address: "10.0.0.11:8080", weight: 2 }] } };

describe("renderNginxConf", () => {
    it.each<[string, NginxConfArgs]>([
        ["servers, direct clients", servers],
        ["servers behind an ALB", { ...servers, clientAddress: { from: "alb", trustedCidrs: ["10.0.0.0/16"] } }],
        [
            "servers behind an NLB with proxy protocol",
            { ...servers, clientAddress: { from: "nlb-proxy-protocol", trustedCidrs: ["10.0.0.0/16", "10.1.0.0/16"] } },
        ],
        ["one DNS name re-resolved", { upstream: { dnsName: "internal-shop.us-east-1.elb.amazonaws.com", port: 80, resolver: "169.254.169.253" } }],
        ["tuned limits", { ...servers, rateLimit: { requestsPerSecond: 5, burst: 0 }, clientMaxBodySize: "8m", timeouts: { read: 5 }, upstreamKeepalive: 4 }],
    ])("renders a configuration the real nginx accepts: %s", (_, args) => {
        const result = nginxTest(args);
        expect(result.output).toContain("syntax is ok");
        expect(result.ok).toBe(true);
    });

    it("marks backends down after failed attempts and retries only idempotent requests, only on connection errors and timeouts", () => {
        const conf = renderNginxConf(servers);
        expect(conf).toContain("server 10.0.0.10:8080 max_fails=2 fail_timeout=10s;");
        expect(conf).toContain("server 10.0.0.11:8080 weight=2 max_fails=2 fail_timeout=10s;");
        const retry = conf.match(/proxy_next_upstream [^;]*;/g);
        expect(retry).toEqual(["proxy_next_upstream error timeout;"]);
        expect(conf).toContain("keepalive 32;");
    });

    it("gives clients seconds to send their headers, and passes the shop the address it found, not the client's own chain", () => {
        const conf = renderNginxConf({ ...servers, clientAddress: { from: "alb", trustedCidrs: ["10.0.0.0/16"] } });
        expect(conf).toContain("client_header_timeout 5s;");
        expect(conf).toContain("proxy_set_header X-Forwarded-For $remote_addr;");
        expect(conf).not.toContain("$proxy_add_x_forwarded_for");
    });

    it("takes the client address from proxy protocol behind an NLB, and from X-Forwarded-For behind an ALB", () => {
        const nlb = renderNginxConf({ ...servers, clientAddress: { from: "nlb-proxy-protocol", trustedCidrs: ["10.0.0.0/16"] } });
        expect(nlb).toMatch(/listen 80 proxy_protocol default_server;/);
        expect(nlb).toContain("real_ip_header proxy_protocol;");
        const alb = renderNginxConf({ ...servers, clientAddress: { from: "alb", trustedCidrs: ["10.0.0.0/16"] } });
        expect(alb).toContain("set_real_ip_from 10.0.0.0/16;");
        expect(alb).toContain("real_ip_header X-Forwarded-For;");
        expect(alb).not.toContain("proxy_protocol");
    });

    it("refuses descriptions it cannot render, naming each problem", () => {
        expect(() =>
            renderNginxConf({
                upstream: { servers: [{ address: "no-port" }] },
                listenPort: 70000,
                clientAddress: { from: "alb", trustedCidrs: [] },
                clientMaxBodySize: "lots",
            }),
        ).toThrow(/no-port.*must be host:port.*listenPort.*trustedCidrs.*clientMaxBodySize/);
        expect(() => renderNginxConf({ upstream: { dnsName: "a;b", port: 80, resolver: "1.1.1.1" } })).toThrow("not a DNS name");
    });
});

describe("readiness through nginx", () => {
    it("passes /readyz on to the application with its verdict (what Route 53 probes), while it answers /healthz itself (what the target groups probe)", async () => {
        let ready = true;
        const app = http.createServer((req, res) => {
            res.statusCode = req.url === "/readyz" && !ready ? 503 : 200;
            res.end(req.url === "/readyz" ? (ready ? "ready" : "unavailable") : "page");
        });
        await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
        const nginx = await startNginx({ upstream: { servers: [{ address: `127.0.0.1:${(app.address() as net.AddressInfo).port}` }] } });
        try {
            const get = async (path: string) => {
                const response = await fetch(`http://127.0.0.1:${nginx.port}${path}`);
                return { status: response.status, body: await response.text() };
            };
            expect(await get("/readyz")).toEqual({ status: 200, body: "ready" });
            // The application's databases are down: readiness fails through nginx, liveness does not.
            ready = false;
            expect(await get("/readyz")).toEqual({ status: 503, body: "unavailable" });
            expect(await get("/healthz")).toEqual({ status: 200, body: "ok\n" });
        } finally {
            await nginx.stop();
            await new Promise((resolve) => app.close(resolve));
        }
    });
});

describe("nginx in front of two backends", () => {
    const hits: Record<string, number> = {};
    const backends: http.Server[] = [];
    const ports: number[] = [];

    beforeAll(async () => {
        for (const id of ["a", "b"]) {
            const server = http.createServer((req, res) => {
                hits[id] = (hits[id] ?? 0) + 1;
                res.setHeader("content-type", "text/plain");
                // What a shop answers when a dependency every instance shares (Redis) is down.
                if (req.url === "/shared-dependency-down") res.statusCode = 503;
                res.end(`${id} ${req.headers["x-forwarded-for"] ?? ""}`);
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            backends.push(server);
            ports.push((server.address() as net.AddressInfo).port);
        }
    });
    afterAll(async () => {
        await Promise.all(backends.map((b) => new Promise((resolve) => b.close(resolve))));
    });

    async function get(port: number, path = "/"): Promise<{ status: number; body: string }> {
        const response = await fetch(`http://127.0.0.1:${port}${path}`);
        return { status: response.status, body: await response.text() };
    }

    it("passes a 503 on without retrying it or taking the backend out, and sends the client's address, not the header it wrote", async () => {
        const nginx = await startNginx({
            upstream: { servers: ports.map((p) => ({ address: `127.0.0.1:${p}` })) },
            rateLimit: { requestsPerSecond: 1000, burst: 1000 },
        });
        try {
            for (const id of ["a", "b"]) hits[id] = 0;
            const refused = await Promise.all(Array.from({ length: 20 }, () => get(nginx.port, "/shared-dependency-down")));
            expect(refused.map((r) => r.status)).toEqual(Array(20).fill(503));
            // Each request went to one backend: none was tried again on the other.
            expect(hits.a + hits.b).toBe(20);
            // Both stay in rotation for what they can still serve.
            const served = await Promise.all(Array.from({ length: 20 }, () => get(nginx.port)));
            expect(served.map((r) => r.status)).toEqual(Array(20).fill(200));
            expect(new Set(served.map((r) => r.body.split(" ")[0]))).toEqual(new Set(["a", "b"]));

            const spoofed = await fetch(`http://127.0.0.1:${nginx.port}/`, { headers: { "x-forwarded-for": "203.0.113.99" } });
            expect((await spoofed.text()).split(" ")[1]).toBe("127.0.0.1");

            // The services' own routes never reach a backend from outside, however the path is spelled.
            for (const id of ["a", "b"]) hits[id] = 0;
            for (const path of ["/internal/users/authentication", "/%69nternal/stock/reservations/1", "//internal/users", "/internal/../internal/users"])
                expect([path, (await get(nginx.port, path)).status]).toEqual([path, 404]);
            expect(hits.a + hits.b).toBe(0);
        } finally {
            await nginx.stop();
        }
    });

    it("closes a connection that dribbles its headers, and serves other clients meanwhile (slowloris)", async () => {
        const nginx = await startNginx({
            upstream: { servers: ports.map((p) => ({ address: `127.0.0.1:${p}` })) },
            rateLimit: { requestsPerSecond: 1000, burst: 1000 },
            // Room for all of this test's connections in one worker (40 slow, 10 clients, their 10 upstream ones, and the two
            // nginx holds itself): on a busy machine the kernel may hand most of them to one, and a worker with less than a
            // sixteenth of its connections free closes reusable ones (accepted and not yet read, or kept alive): ECONNRESET.
            workerConnections: 128,
        });
        const slow: net.Socket[] = [];
        try {
            // Slow clients: each sends a header line every second and never ends.
            const closed = Array.from({ length: 40 }, () => {
                const socket = net.connect(nginx.port, "127.0.0.1", () => socket.write("GET / HTTP/1.1\r\nHost: shop\r\n"));
                slow.push(socket);
                socket.on("error", () => undefined);
                const drip = setInterval(() => socket.writable && socket.write(`X-Slow-${Date.now()}: 1\r\n`), 1000);
                return new Promise<number>((resolve) => socket.on("close", () => (clearInterval(drip), resolve(Date.now()))));
            });
            const started = Date.now();
            await new Promise((resolve) => setTimeout(resolve, 1500));
            const served = await Promise.all(Array.from({ length: 10 }, () => get(nginx.port)));
            expect(served.map((r) => r.status)).toEqual(Array(10).fill(200));
            // Gone well before a minute (nginx's default is 60 s): the deadline is generous, the setting is 5 s.
            const closedAt = await Promise.race([
                Promise.all(closed),
                // Unref'd: left running once they are closed, it would hold the test's worker open.
                new Promise<never>((_, reject) => setTimeout(() => reject(new Error("slow clients still connected after 20 s")), 20_000).unref()),
            ]);
            expect(Math.max(...closedAt) - started).toBeLessThan(20_000);
        } finally {
            for (const socket of slow) socket.destroy();
            await nginx.stop();
        }
    }, 40_000);

    it("balances between them, answers /healthz itself, and keeps answering when one stops", async () => {
        const nginx = await startNginx({
            upstream: { servers: ports.map((p) => ({ address: `127.0.0.1:${p}` })) },
            rateLimit: { requestsPerSecond: 1000, burst: 1000 },
        });
        try {
            const first = await Promise.all(Array.from({ length: 20 }, () => get(nginx.port)));
            expect(first.every((r) => r.status === 200)).toBe(true);
            const seen = new Set(first.map((r) => r.body.split(" ")[0]));
            expect(seen).toEqual(new Set(["a", "b"]));

            expect(await get(nginx.port, "/healthz")).toEqual({ status: 200, body: "ok\n" });

            // Stop backend b: connections to it are refused, and nginx passes those requests on to a.
            backends[1].closeAllConnections();
            await new Promise((resolve) => backends[1].close(resolve));
            const after = await Promise.all(Array.from({ length: 20 }, () => get(nginx.port)));
            expect(after.map((r) => r.status)).toEqual(Array(20).fill(200));
            expect(new Set(after.map((r) => r.body.split(" ")[0]))).toEqual(new Set(["a"]));

            // nginx logs a request after it has answered it: the last lines may come a moment after the last answer.
            const logged = () =>
                nginx
                    .accessLog()
                    .trim()
                    .split("\n")
                    .map((line) => JSON.parse(line));
            for (const deadline = Date.now() + 5_000; logged().length < 40 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 20));
            const log = logged();
            expect(log.length).toBeGreaterThanOrEqual(40);
            expect(log[0]).toMatchObject({ method: "GET", uri: "/", status: 200 });
        } finally {
            await nginx.stop();
        }
    });
});

describe("nginx behind an NLB with proxy protocol", () => {
    let backend: http.Server;
    let backendPort: number;
    beforeAll(async () => {
        backend = http.createServer((req, res) => res.end(`client ${req.headers["x-real-ip"]}`));
        await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
        backendPort = (backend.address() as net.AddressInfo).port;
    });
    afterAll(() => new Promise((resolve) => backend.close(resolve)));

    /** Sends raw bytes and returns what comes back until the server closes. */
    const exchange = (port: number, bytes: string) =>
        new Promise<string>((resolve, reject) => {
            const socket = net.connect(port, "127.0.0.1", () => socket.write(bytes));
            let answer = "";
            socket.on("data", (chunk) => (answer += chunk));
            socket.on("close", () => resolve(answer));
            socket.on("error", reject);
        });

    it("takes the client from the proxy protocol header, and answers plain health checks on the health port only", async () => {
        const healthPort = await freePort();
        const nginx = await startNginx({
            upstream: { servers: [{ address: `127.0.0.1:${backendPort}` }] },
            clientAddress: { from: "nlb-proxy-protocol", trustedCidrs: ["127.0.0.0/8"] },
            healthPort,
        });
        try {
            const proxied = await exchange(
                nginx.port,
                "PROXY TCP4 203.0.113.7 127.0.0.1 40000 80\r\nGET / HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n",
            );
            expect(proxied).toMatch(/^HTTP\/1.1 200/);
            expect(proxied).toContain("client 203.0.113.7");
            // Without the header the main port refuses the request: only the NLB may speak to it.
            const plain = await exchange(nginx.port, "GET / HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n");
            expect(plain).not.toMatch(/^HTTP\/1.1 200/);
            expect(await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).text()).toBe("ok\n");
            expect((await fetch(`http://127.0.0.1:${healthPort}/`)).status).toBe(404);
        } finally {
            await nginx.stop();
        }
    });
});
