/**
 * The shop's benchmark, so that later stages can be compared with this one:
 *   - requests per second and latency percentiles for a product page (server-rendered
 *     HTML) and a product API read over random products of the whole catalog, on the
 *     embedded database and on PostgreSQL;
 *   - what the cache is worth: product API reads with Zipf-like popularity (a few products
 *     get most views) on PostgreSQL and Redis, with the cache off and on in the same run,
 *     the ratio of the two, and the cache's hit ratio from the shop's own /metrics.
 *   - search (stage 10): the search API over words people type (whole words, parts, a typo,
 *     a category, a SKU) on PostgreSQL and on a real OpenSearch, same run, and their ratio.
 * The shop runs as its own process, as in production, so the load generator does not share
 * its event loop; PostgreSQL and Redis are real servers started for the run.
 *
 *   npm run bench                                  everything, 10 s a scenario
 *   npm run bench -- --backend cache --duration 30 --connections 50
 *   npm run bench -- --url http://shop.example     an already running shop
 *   npm run bench -- --json                        one JSON document on stdout
 */
import autocannon from "autocannon";
import { parseArgs } from "node:util";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { OpenSearchServer, startOpenSearch } from "../../tools/servers/opensearch";
import { RedisServer, startRedis } from "../../tools/servers/redis";
import { untilEngine } from "../test/support/search";
import { startShopProcess } from "../../tools/servers/shop-process";
import { zipfSampler } from "./zipf";

const catalogSize = 1008;

/** Exponent of the product popularity: 1 is the classic Zipf law. */
const zipfExponent = 1;
const uniform = () => 1 + Math.floor(Math.random() * catalogSize);
const popular = zipfSampler(catalogSize, zipfExponent);

interface Scenario {
    name: string;
    path: (productId: number) => string;
    productId: () => number;
}

const productPage: Scenario = { name: "product page", path: (id) => `/products/${id}`, productId: uniform };
const productRead: Scenario = { name: "product API read", path: (id) => `/api/products/${id}`, productId: uniform };
/** What people type, as the relevance tests do: words, parts of words, a typo, a category, a SKU, several words. */
const searchWords = ["walnut", "pan", "knives", "skilet", "kitchen", "KIT-0001", "running shoes", "lamp", "cast iron", "boots", "yoga mat", "desk"];
const searchRead: Scenario = {
    name: "search API",
    path: (i) => `/api/search?q=${encodeURIComponent(searchWords[i % searchWords.length])}`,
    productId: uniform,
};
const popularRead: Scenario = { name: `product API read, Zipf s=${zipfExponent}`, path: (id) => `/api/products/${id}`, productId: popular };

type Servers = { postgres?: PostgresServer; redis?: RedisServer; opensearch?: OpenSearchServer };

/** A shop to measure: how to start it, and what to measure on it. */
interface Setup {
    name: string;
    scenarios: Scenario[];
    env: (servers: Servers) => Promise<Record<string, string>>;
    needs: { postgres?: boolean; redis?: boolean; opensearch?: boolean };
    /** The search engine the shop must answer from before it is measured. */
    engine?: "opensearch" | "postgres";
}

const setups: Record<string, Setup[]> = {
    pglite: [{ name: "pglite", scenarios: [productPage, productRead], needs: {}, env: async () => ({}) }],
    postgres: [
        {
            name: "postgres",
            scenarios: [productPage, productRead],
            needs: { postgres: true },
            env: async ({ postgres }) => ({ SHOP_DATABASE_URL: await postgres!.createDatabase("shop") }),
        },
    ],
    cache: ["off", "on"].map((cache) => ({
        name: `postgres+redis, cache ${cache}`,
        scenarios: [popularRead],
        needs: { postgres: true, redis: true },
        env: async ({ postgres, redis }: Servers) => ({
            SHOP_DATABASE_URL: await postgres!.createDatabase(`shop_cache_${cache}`),
            SHOP_REDIS_URL: redis!.url,
            SHOP_CACHE: cache,
        }),
    })),
    search: [
        {
            name: "postgres, search on postgres",
            scenarios: [searchRead],
            needs: { postgres: true },
            engine: "postgres",
            env: async ({ postgres }) => ({ SHOP_DATABASE_URL: await postgres!.createDatabase("shop_search_postgres") }),
        },
        {
            name: "postgres, search on opensearch",
            scenarios: [searchRead],
            needs: { postgres: true, opensearch: true },
            engine: "opensearch",
            env: async ({ postgres, opensearch }) => ({
                SHOP_DATABASE_URL: await postgres!.createDatabase("shop_search_opensearch"),
                SHOP_SEARCH_URL: opensearch!.url,
            }),
        },
    ],
};

interface Row {
    backend: string;
    scenario: string;
    requestsPerSecond: number;
    p50Ms: number;
    p99Ms: number;
    non2xx: number;
    errors: number;
    /** Share of cache look-ups answered by a cache level, over the measured run. */
    cacheHitRatio?: number;
    /** Searches answered from PostgreSQL although OpenSearch was configured, over the measured run. */
    searchFallbacks?: number;
}

function usage(message: string): never {
    process.stderr.write(
        `${message}\nusage: npm run bench -- [--backend pglite|postgres|cache|search|all] [--url URL] [--duration SECONDS] [--connections N] [--json]\n`,
    );
    process.exit(2);
}

function options() {
    let parsed;
    try {
        parsed = parseArgs({
            options: {
                backend: { type: "string", default: "all" },
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
    if (!["pglite", "postgres", "cache", "search", "all"].includes(parsed.backend!))
        problems.push(`--backend: expected pglite, postgres, cache, search or all (got ${parsed.backend})`);
    if (parsed.url !== undefined && !/^https?:\/\/\S+$/.test(parsed.url)) problems.push(`--url: expected an http:// or https:// URL (got ${parsed.url})`);
    if (problems.length > 0) usage(problems.join("\n"));
    const chosen = parsed.backend === "all" ? Object.values(setups).flat() : setups[parsed.backend!];
    return { setups: chosen, url: parsed.url?.replace(/\/+$/, ""), duration, connections, json: parsed.json! };
}

async function measure(url: string, scenario: Scenario, duration: number, connections: number): Promise<Omit<Row, "backend">> {
    const result = await autocannon({
        url,
        duration,
        connections,
        requests: [{ method: "GET", setupRequest: (request) => ({ ...request, path: scenario.path(scenario.productId()) }) }],
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

/** Cache look-ups so far, from the shop's /metrics (on its metrics port): [hits, all]. */
async function cacheLookups(metricsUrl: string): Promise<[number, number]> {
    const text = await (await fetch(metricsUrl)).text();
    const count = (result: string) => Number(text.match(new RegExp(`shop_cache_requests_total\\{level="1",result="${result}"\\} (\\d+)`))?.[1] ?? 0);
    const l2Hits = Number(text.match(/shop_cache_requests_total\{level="2",result="hit"\} (\d+)/)?.[1] ?? 0);
    return [count("hit") + l2Hits, count("hit") + count("miss")];
}

/** Searches answered from PostgreSQL although OpenSearch is configured, so far (from /metrics). */
async function searchFallbacks(metricsUrl: string): Promise<number> {
    const text = await (await fetch(metricsUrl)).text();
    return [...text.matchAll(/^shop_search_fallbacks_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

async function measureShop(
    url: string,
    metricsUrl: string,
    name: string,
    scenarios: Scenario[],
    opts: { duration: number; connections: number },
): Promise<Row[]> {
    const rows: Row[] = [];
    for (const scenario of scenarios) {
        // A short warm-up, so that the figures are of a running shop, not of its first requests.
        await measure(url, scenario, 1, opts.connections);
        const [hitsBefore, lookupsBefore] = await cacheLookups(metricsUrl);
        const fallbacksBefore = await searchFallbacks(metricsUrl);
        const row: Row = { backend: name, ...(await measure(url, scenario, opts.duration, opts.connections)) };
        const [hits, lookups] = await cacheLookups(metricsUrl);
        if (lookups > lookupsBefore) row.cacheHitRatio = Math.round(((hits - hitsBefore) / (lookups - lookupsBefore)) * 1000) / 1000;
        if (scenario === searchRead) row.searchFallbacks = (await searchFallbacks(metricsUrl)) - fallbacksBefore;
        rows.push(row);
    }
    return rows;
}

async function main(): Promise<void> {
    const opts = options();
    const rows: Row[] = [];
    if (opts.url) {
        // The shop's metrics port on the same host (SHOP_METRICS_PORT's default).
        const metricsUrl = Object.assign(new URL(opts.url), { port: "9464", pathname: "/metrics" }).href;
        rows.push(...(await measureShop(opts.url, metricsUrl, opts.url, [productPage, productRead, popularRead, searchRead], opts)));
    } else {
        const needs = {
            postgres: opts.setups.some((s) => s.needs.postgres),
            redis: opts.setups.some((s) => s.needs.redis),
            opensearch: opts.setups.some((s) => s.needs.opensearch),
        };
        const servers: Servers = {};
        try {
            if (needs.postgres) servers.postgres = await startPostgres();
            if (needs.redis) servers.redis = await startRedis();
            if (needs.opensearch) servers.opensearch = await startOpenSearch();
            for (const setup of opts.setups) {
                const shop = await startShopProcess(await setup.env(servers));
                try {
                    if (setup.engine) await untilEngine(shop.url, setup.engine);
                    rows.push(...(await measureShop(shop.url, shop.metricsUrl, setup.name, setup.scenarios, opts)));
                } finally {
                    await shop.stop();
                }
            }
        } finally {
            await servers.opensearch?.stop();
            await servers.redis?.stop();
            await servers.postgres?.stop();
        }
    }

    if (opts.json) {
        process.stdout.write(`${JSON.stringify({ duration: opts.duration, connections: opts.connections, zipfExponent, results: rows }, null, 2)}\n`);
    } else {
        printTable(rows, opts);
    }
    // Figures of failing requests measure nothing: say so, and fail.
    if (rows.some((r) => r.non2xx > 0 || r.errors > 0)) {
        process.stderr.write("bench: some requests failed; these figures are not comparable\n");
        process.exitCode = 1;
    }
    // A search measured as OpenSearch's but answered by PostgreSQL compares nothing either.
    if (rows.some((r) => r.backend.endsWith("search on opensearch") && (r.searchFallbacks ?? 0) > 0)) {
        process.stderr.write("bench: some searches fell back to PostgreSQL during the OpenSearch run\n");
        process.exitCode = 1;
    }
}

function printTable(rows: Row[], opts: { duration: number; connections: number }): void {
    const header = ["shop", "scenario", "req/s", "p50 ms", "p99 ms", "cache hits", "non-2xx", "errors"];
    const table = [
        header,
        ...rows.map((r) => [
            r.backend,
            r.scenario,
            String(r.requestsPerSecond),
            String(r.p50Ms),
            String(r.p99Ms),
            r.cacheHitRatio === undefined ? "-" : `${(r.cacheHitRatio * 100).toFixed(1)}%`,
            String(r.non2xx),
            String(r.errors),
        ]),
    ];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    process.stdout.write(`${opts.duration} s a scenario, ${opts.connections} connections, over the ${catalogSize} products\n`);
    for (const row of table) process.stdout.write(`${row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")}\n`);
    const off = rows.find((r) => r.backend.endsWith("cache off"));
    const on = rows.find((r) => r.backend.endsWith("cache on"));
    if (off && on)
        process.stdout.write(
            `cache on / off: ${(on.requestsPerSecond / off.requestsPerSecond).toFixed(2)}x the requests per second, p99 ${off.p99Ms} ms -> ${on.p99Ms} ms\n`,
        );
    const onPostgres = rows.find((r) => r.backend.endsWith("search on postgres"));
    const onOpenSearch = rows.find((r) => r.backend.endsWith("search on opensearch"));
    if (onPostgres && onOpenSearch)
        process.stdout.write(
            `search on OpenSearch / PostgreSQL: ${(onOpenSearch.requestsPerSecond / onPostgres.requestsPerSecond).toFixed(2)}x the requests per second, p99 ${onPostgres.p99Ms} ms -> ${onOpenSearch.p99Ms} ms\n`,
        );
}

main().catch((err) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
