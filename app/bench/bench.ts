/**
 * The shop's benchmark: requests per second and latency percentiles for a product page
 * (server-rendered HTML) and a product API read, each over random products of the whole
 * catalog, so that later stages (caches, replicas, more instances) can be compared with
 * this one. The shop runs as its own process, as it does in production, so the load
 * generator does not share its event loop.
 *
 *   npm run bench                                  both backends, 10 s a scenario
 *   npm run bench -- --backend postgres --duration 30 --connections 50
 *   npm run bench -- --url http://shop.example     an already running shop
 *   npm run bench -- --json                        one JSON document on stdout
 */
import autocannon from "autocannon";
import { parseArgs } from "node:util";
import { startPostgres, PostgresServer } from "../test/support/postgres";
import { ShopProcess, startShopProcess } from "../test/support/shop-process";

const catalogSize = 1008;

interface Scenario {
    name: string;
    path: (productId: number) => string;
}

const scenarios: Scenario[] = [
    { name: "product page", path: (id) => `/products/${id}` },
    { name: "product API read", path: (id) => `/api/products/${id}` },
];

interface Row {
    backend: string;
    scenario: string;
    requestsPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    non2xx: number;
    errors: number;
}

function usage(message: string): never {
    process.stderr.write(`${message}\nusage: npm run bench -- [--backend pglite|postgres|both] [--url URL] [--duration SECONDS] [--connections N] [--json]\n`);
    process.exit(2);
}

function options() {
    let parsed;
    try {
        parsed = parseArgs({
            options: {
                backend: { type: "string", default: "both" },
                url: { type: "string" },
                duration: { type: "string", default: "10" },
                connections: { type: "string", default: "20" },
                json: { type: "boolean", default: false },
            },
        }).values;
    } catch (err) {
        usage((err as Error).message);
    }
    const problems: string[] = [];
    const duration = Number(parsed.duration);
    const connections = Number(parsed.connections);
    if (!Number.isInteger(duration) || duration < 1) problems.push(`--duration: expected whole seconds, at least 1 (got ${parsed.duration})`);
    if (!Number.isInteger(connections) || connections < 1) problems.push(`--connections: expected a whole number, at least 1 (got ${parsed.connections})`);
    if (!["pglite", "postgres", "both"].includes(parsed.backend!)) problems.push(`--backend: expected pglite, postgres or both (got ${parsed.backend})`);
    if (parsed.url !== undefined && !/^https?:\/\/\S+$/.test(parsed.url)) problems.push(`--url: expected an http:// or https:// URL (got ${parsed.url})`);
    if (problems.length > 0) usage(problems.join("\n"));
    const backends = parsed.url ? ["url"] : parsed.backend === "both" ? ["pglite", "postgres"] : [parsed.backend!];
    return { backends, url: parsed.url?.replace(/\/+$/, ""), duration, connections, json: parsed.json! };
}

async function measure(url: string, scenario: Scenario, duration: number, connections: number): Promise<Omit<Row, "backend">> {
    const result = await autocannon({
        url,
        duration,
        connections,
        requests: [{ method: "GET", setupRequest: (request) => ({ ...request, path: scenario.path(1 + Math.floor(Math.random() * catalogSize)) }) }],
    });
    return {
        scenario: scenario.name,
        requestsPerSecond: Math.round(result.requests.average),
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
    };
}

async function main(): Promise<void> {
    const opts = options();
    const rows: Row[] = [];
    for (const backend of opts.backends) {
        let server: PostgresServer | undefined;
        let shop: ShopProcess | undefined;
        try {
            if (backend === "postgres") {
                server = await startPostgres();
                shop = await startShopProcess({ SHOP_DATABASE_URL: await server.createDatabase("shop") });
            } else if (backend === "pglite") {
                shop = await startShopProcess({});
            }
            const url = opts.url ?? shop!.url;
            for (const scenario of scenarios) {
                // A short warm-up, so that the figures are of a running shop, not of its first requests.
                await measure(url, scenario, 1, opts.connections);
                rows.push({ backend: backend === "url" ? url : backend, ...(await measure(url, scenario, opts.duration, opts.connections)) });
            }
        } finally {
            await shop?.stop();
            await server?.stop();
        }
    }

    if (opts.json) {
        process.stdout.write(`${JSON.stringify({ duration: opts.duration, connections: opts.connections, results: rows }, null, 2)}\n`);
    } else {
        printTable(rows, opts);
    }
    // Figures of failing requests measure nothing: say so, and fail.
    if (rows.some((r) => r.non2xx > 0 || r.errors > 0)) {
        process.stderr.write("bench: some requests failed; these figures are not comparable\n");
        process.exitCode = 1;
    }
}

function printTable(rows: Row[], opts: { duration: number; connections: number }): void {
    const header = ["backend", "scenario", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors"];
    const table = [header, ...rows.map((r) => [r.backend, r.scenario, String(r.requestsPerSecond), String(r.p50Ms), String(r.p99Ms), String(r.non2xx), String(r.errors)])];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    process.stdout.write(`${opts.duration} s a scenario, ${opts.connections} connections, random products of ${catalogSize}\n`);
    for (const row of table) process.stdout.write(`${row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")}\n`);
}

main().catch((err) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
