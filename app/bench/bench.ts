/**
 * The shop's benchmark, so that later stages can be compared with this one:
 *   - requests per second and latency percentiles for a product page (server-rendered
 *     HTML) and a product API read over random products of the whole catalog, on the
 *     embedded database and on PostgreSQL;
 *   - what the cache is worth: product API reads with Zipf-like popularity (a few products
 *     get most views) on PostgreSQL and Redis, with the cache off and on in the same run,
 *     the ratio of the two, and the cache's hit ratio from the shop's own /metrics.
 *   - the cached read against its ceiling: with the cache on, the same Zipf reads by a visitor
 *     signed in, and by a bare Fastify server answering the same JSON from a Map (bare-server.ts),
 *     in the same run, and the ratios: shop / bare, signed in / guest;
 *   - search (stage 10): the search API over words people type (whole words, parts, a typo,
 *     a category, a SKU) on PostgreSQL and on a real OpenSearch, same run, and their ratio;
 *   - the offline plan (`--plan`): `npm run plan -- --stack prod --stage 15` as a process against
 *     `node -e "require('@pulumi/aws')"`, alternated, medians, and their ratio.
 * The shop runs as its own process, as in production, so the load generator does not share
 * its event loop; PostgreSQL and Redis are real servers started for the run.
 *
 *   npm run bench                                  everything, 10 s a scenario
 *   npm run bench -- --backend cache --duration 30 --connections 50
 *   npm run bench -- --url http://shop.example     an already running shop
 *   npm run bench -- --json                        one JSON document on stdout
 *   npm run bench -- --plan                        the plan's time only
 */
import autocannon from "autocannon";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../../tools/servers/ports";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { OpenSearchServer, startOpenSearch } from "../../tools/servers/opensearch";
import { RedisServer, startRedis } from "../../tools/servers/redis";
import { untilEngine } from "../test/support/search";
import { startShopProcess } from "../../tools/servers/shop-process";
import { cacheLookups } from "./cache-lookups";
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
    /** Read by a visitor signed in (a registered user's session cookie on every request). */
    signedIn?: boolean;
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
const signedInRead: Scenario = { ...popularRead, name: `${popularRead.name}, signed in`, signedIn: true };

type Servers = { postgres?: PostgresServer; redis?: RedisServer; opensearch?: OpenSearchServer };

/** A shop to measure: how to start it, and what to measure on it. */
interface Setup {
    name: string;
    scenarios: Scenario[];
    env: (servers: Servers) => Promise<Record<string, string>>;
    needs: { postgres?: boolean; redis?: boolean; opensearch?: boolean };
    /** The search engine the shop must answer from before it is measured. */
    engine?: "opensearch" | "postgres";
    /** Then the bare Fastify reference, serving this shop's products, on the first scenario. */
    reference?: boolean;
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
        scenarios: cache === "on" ? [popularRead, signedInRead] : [popularRead],
        reference: cache === "on",
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
    /** Share of cache look-ups answered by a cache level, over the measured run: in process (level 1), by Redis (level 2), both. */
    cacheHitRatio?: number;
    level1HitRatio?: number;
    level2HitRatio?: number;
    /** Searches answered from PostgreSQL although OpenSearch was configured, over the measured run. */
    searchFallbacks?: number;
}

function usage(message: string): never {
    process.stderr.write(
        `${message}\nusage: npm run bench -- [--backend pglite|postgres|cache|search|all] [--url URL] [--duration SECONDS] [--connections N] [--runs N] [--json] | --plan [--runs N] [--json]\n`,
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
                plan: { type: "boolean", default: false },
                runs: { type: "string", default: "3" },
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
    const runs = Number(parsed.runs);
    if (!Number.isInteger(runs) || runs < 1) problems.push(`--runs: expected a whole number, at least 1 (got ${parsed.runs})`);
    if (problems.length > 0) usage(problems.join("\n"));
    const chosen = parsed.backend === "all" ? Object.values(setups).flat() : setups[parsed.backend!];
    return { setups: chosen, url: parsed.url?.replace(/\/+$/, ""), duration, connections, json: parsed.json!, plan: parsed.plan!, runs };
}

async function measure(
    url: string,
    scenario: Scenario,
    duration: number,
    connections: number,
    headers: Record<string, string> = {},
): Promise<Omit<Row, "backend">> {
    const result = await autocannon({
        url,
        duration,
        connections,
        headers,
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

/** A registered user's session cookie: what a signed-in visitor sends. */
async function signedInCookie(url: string): Promise<string> {
    const session = await fetch(`${url}/api/session`);
    const { csrfToken } = (await session.json()) as { csrfToken: string };
    const email = `bench-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    const registered = await fetch(`${url}/api/users`, {
        method: "POST",
        headers: { cookie: session.headers.getSetCookie()[0].split(";")[0], "x-csrf-token": csrfToken, "content-type": "application/json" },
        body: JSON.stringify({ email, name: "Bench Buyer", password: "correct horse battery" }),
    });
    if (registered.status !== 201) throw new Error(`registering the benchmark's user failed: ${registered.status} ${await registered.text()}`);
    const cookie = registered.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .find((c) => c.startsWith("shop_sid="));
    if (!cookie) throw new Error("signing up set no session cookie");
    return cookie;
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
    // Every product read once, so that a cached read is measured with the cache warm, as in production.
    if (scenarios.some((scenario) => scenario.path(1) === "/api/products/1"))
        for (let id = 1; id <= catalogSize; id++) await fetch(`${url}/api/products/${id}`);
    for (const scenario of scenarios) {
        // A short warm-up, so that the figures are of a running shop, not of its first requests.
        const headers: Record<string, string> = scenario.signedIn ? { cookie: await signedInCookie(url) } : {};
        await measure(url, scenario, 1, opts.connections, headers);
        const [l1Before, l2Before, lookupsBefore] = await cacheLookups(metricsUrl);
        const fallbacksBefore = await searchFallbacks(metricsUrl);
        const row: Row = { backend: name, ...(await measure(url, scenario, opts.duration, opts.connections, headers)) };
        const [l1, l2, lookups] = await cacheLookups(metricsUrl);
        if (lookups > lookupsBefore) {
            const share = (hits: number) => Math.round((hits / (lookups - lookupsBefore)) * 1000) / 1000;
            [row.level1HitRatio, row.level2HitRatio, row.cacheHitRatio] = [share(l1 - l1Before), share(l2 - l2Before), share(l1 - l1Before + l2 - l2Before)];
        }
        if (scenario === searchRead) row.searchFallbacks = (await searchFallbacks(metricsUrl)) - fallbacksBefore;
        rows.push(row);
    }
    return rows;
}

/** The bare Fastify reference (bare-server.ts) answering the products `shopUrl` serves. */
async function startReference(shopUrl: string): Promise<{ url: string; stop: () => void }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-bare-"));
    const products: unknown[] = [];
    for (let id = 1; id <= catalogSize; id++) {
        const response = await fetch(`${shopUrl}/api/products/${id}`);
        if (response.ok) products.push(await response.json());
    }
    fs.writeFileSync(path.join(dir, "products.json"), JSON.stringify(products));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // Started as the shop is (node with tsx as its loader), so that the two differ only in what they do per request.
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "bare-server.ts"), path.join(dir, "products.json")], {
        cwd: path.resolve(__dirname, ".."),
        env: { PATH: process.env.PATH ?? "", PORT: String(port) },
        stdio: ["ignore", "ignore", "inherit"],
    });
    const stop = () => {
        child.kill("SIGTERM");
        fs.rmSync(dir, { recursive: true, force: true });
    };
    for (const deadline = Date.now() + 60_000; ; await new Promise((resolve) => setTimeout(resolve, 100))) {
        if (child.exitCode !== null || Date.now() > deadline) {
            stop();
            throw new Error("the bare reference server did not start");
        }
        const ready = await fetch(`${url}/api/products/1`).then(
            (r) => r.ok,
            () => false,
        );
        if (ready) return { url, stop };
    }
}

/** Each row the median of its rounds by requests per second, with every round's failed requests (any fails the run). */
function medianRows(rounds: Row[][]): Row[] {
    return rounds[0].map((_, i) => {
        const runs = rounds.map((round) => round[i]);
        const middle = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(runs.length / 2)];
        return { ...middle, non2xx: runs.reduce((n, r) => n + r.non2xx, 0), errors: runs.reduce((n, r) => n + r.errors, 0) };
    });
}

/** Seconds a command takes as a process, from start to exit; it must succeed. */
function secondsOf(command: string, args: string[], cwd: string): number {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The offline plan of prod stage 15 against loading the AWS provider's SDK alone, alternated `runs` times; medians. */
function measurePlan(runs: number): { planSeconds: number; requireAwsSeconds: number; ratio: number; runs: number } {
    const root = path.resolve(__dirname, "..", "..");
    const plan = () => secondsOf("npm", ["run", "plan", "--", "--stack", "prod", "--stage", "15"], root);
    const requireAws = () => secondsOf(process.execPath, ["-e", "require('@pulumi/aws')"], root);
    // Once unmeasured: builds the compiled plan if a source changed, and warms the file cache.
    plan();
    requireAws();
    const plans: number[] = [];
    const requires: number[] = [];
    for (let i = 0; i < runs; i++) {
        requires.push(requireAws());
        plans.push(plan());
    }
    const [planSeconds, requireAwsSeconds] = [median(plans), median(requires)];
    return { planSeconds, requireAwsSeconds, ratio: planSeconds / requireAwsSeconds, runs };
}

async function main(): Promise<void> {
    const opts = options();
    if (opts.plan) {
        const result = measurePlan(opts.runs);
        if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else
            process.stdout.write(
                `npm run plan -- --stack prod --stage 15: ${result.planSeconds.toFixed(2)} s; node -e "require('@pulumi/aws')": ${result.requireAwsSeconds.toFixed(2)} s (medians of ${result.runs}, alternated)\nplan / require('@pulumi/aws'): ${result.ratio.toFixed(2)}x\n`,
            );
        return;
    }
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
                    if (!setup.reference) {
                        rows.push(...(await measureShop(shop.url, shop.metricsUrl, setup.name, setup.scenarios, opts)));
                        continue;
                    }
                    // The shop and its ceiling alternated, round after round, on a machine whose load may change meanwhile.
                    const reference = await startReference(shop.url);
                    try {
                        const rounds: Row[][] = [];
                        for (let round = 0; round < opts.runs; round++) {
                            const shopRows = await measureShop(shop.url, shop.metricsUrl, setup.name, setup.scenarios, opts);
                            await measure(reference.url, setup.scenarios[0], 1, opts.connections);
                            const bare = await measure(reference.url, setup.scenarios[0], opts.duration, opts.connections);
                            rounds.push([...shopRows, { backend: "bare Fastify, a Map (reference)", ...bare }]);
                        }
                        rows.push(...medianRows(rounds));
                    } finally {
                        reference.stop();
                    }
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
    const header = ["shop", "scenario", "req/s", "p50 ms", "p99 ms", "cache hits (in process + Redis)", "non-2xx", "errors"];
    const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
    const table = [
        header,
        ...rows.map((r) => [
            r.backend,
            r.scenario,
            String(r.requestsPerSecond),
            String(r.p50Ms),
            String(r.p99Ms),
            r.cacheHitRatio === undefined ? "-" : `${percent(r.cacheHitRatio)} (${percent(r.level1HitRatio!)} + ${percent(r.level2HitRatio!)})`,
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
    const guest = on && rows.find((r) => r === on && r.scenario === popularRead.name);
    const signedIn = rows.find((r) => r.backend.endsWith("cache on") && r.scenario === signedInRead.name);
    const bare = rows.find((r) => r.backend.endsWith("(reference)"));
    if (guest && bare)
        process.stdout.write(`cached read / bare Fastify: ${(guest.requestsPerSecond / bare.requestsPerSecond).toFixed(2)}x the requests per second\n`);
    if (guest && signedIn)
        process.stdout.write(`signed in / guest: ${(signedIn.requestsPerSecond / guest.requestsPerSecond).toFixed(2)}x the requests per second\n`);
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
