/**
 * Measures a running stage through its entry, as the shop's benchmark (app/bench) measures one
 * shop: autocannon reading products with Zipf-like popularity (s = 1, app/bench/zipf.ts), then
 * shoppers' journeys (open a session, browse, sign up, add to the cart, check out) in parallel
 * loops; the cache's hit ratio from every shop process's /metrics over the reads; and what
 * the stage costs this machine: its processes and their resident memory.
 */
import autocannon from "autocannon";
import { cacheLookups } from "../../app/bench/cache-lookups";
import { zipfSampler } from "../../app/bench/zipf";
import { descendantsOf, residentMiB } from "../servers/process-tree";
import { Lab } from "./start-stage";

const catalogSize = 1008;
const popular = zipfSampler(catalogSize, 1);

export interface BenchRow {
    stage: number;
    slug: string;
    readsPerSecond: number;
    readP50Ms: number;
    readP99Ms: number;
    journeysPerSecond: number;
    journeyP50Ms: number;
    journeyP99Ms: number;
    /** Reads and journeys that did not succeed (a non-2xx answer or no answer). */
    errors: number;
    /** What failed, each with how often: a journey's failing call and its answer, reads by status or by error. */
    failures: Record<string, number>;
    /** Share of cache look-ups a cache level answered during the reads; undefined when no look-up was counted. */
    cacheHitRatio?: number;
    processes: number;
    memoryMiB: number;
}

export async function benchStage(lab: Lab, opts: { duration: number; connections: number; shoppers: number }): Promise<BenchRow> {
    const entry = lab.entryUrl;
    const readRun = (duration: number) =>
        autocannon({
            url: entry,
            duration,
            connections: opts.connections,
            requests: [{ method: "GET", setupRequest: (request) => ({ ...request, path: `/api/products/${popular()}` }) }],
        });
    await readRun(1); // warm-up: figures of a running stage, not of its first requests
    const shops = lab.started.parts.filter((p) => p.metricsUrl);
    const [hitsBefore, lookupsBefore] = await cacheLookupsOf(shops.map((p) => p.metricsUrl!));
    const reads = await readRun(opts.duration);
    const [hits, lookups] = await cacheLookupsOf(shops.map((p) => p.metricsUrl!));
    const journeys = await shopperJourneys(entry, opts.duration, opts.shoppers);
    const pids = descendantsOf(process.pid);
    return {
        stage: lab.layout.stage.number,
        slug: lab.layout.stage.slug,
        readsPerSecond: Math.round(reads.requests.average),
        readP50Ms: reads.latency.p50,
        readP99Ms: reads.latency.p99,
        journeysPerSecond: Math.round((journeys.times.length / opts.duration) * 10) / 10,
        journeyP50Ms: percentile(journeys.times, 0.5),
        journeyP99Ms: percentile(journeys.times, 0.99),
        // autocannon counts a timed-out read among its errors too (`timeouts` is a part of `errors`).
        errors: reads.non2xx + reads.errors + journeys.failed.length,
        failures: failuresOf(reads, journeys.failed),
        cacheHitRatio: lookups > lookupsBefore ? (hits - hitsBefore) / (lookups - lookupsBefore) : undefined,
        processes: pids.length,
        memoryMiB: Math.round(residentMiB(pids)),
    };
}

/** Cache look-ups so far over these shops' /metrics: [answered by a cache level, all]. */
async function cacheLookupsOf(metricsUrls: string[]): Promise<[number, number]> {
    let hits = 0;
    let all = 0;
    for (const url of metricsUrls) {
        const [l1, l2, lookups] = await cacheLookups(url);
        hits += l1 + l2;
        all += lookups;
    }
    return [hits, all];
}

/** What failed, each with how often: a journey's failing call and its answer; reads by status, or without an answer. */
function failuresOf(reads: autocannon.Result, journeysFailed: string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    const add = (what: string, n = 1) => {
        if (n > 0) counts[what] = (counts[what] ?? 0) + n;
    };
    for (const reason of journeysFailed) add(`journey: ${reason}`);
    for (const [status, { count }] of Object.entries(reads.statusCodeStats ?? {})) if (Number(status) >= 300) add(`read: ${status}`, count ?? 0);
    add("read: no answer", reads.errors - reads.timeouts);
    add("read: timed out", reads.timeouts);
    return counts;
}

/** `shoppers` loops of whole journeys for `seconds`; the time of each journey that succeeded, and why each other failed. */
async function shopperJourneys(entry: string, seconds: number, shoppers: number): Promise<{ times: number[]; failed: string[] }> {
    const times: number[] = [];
    const failed: string[] = [];
    const end = Date.now() + seconds * 1000;
    let serial = 0;
    await Promise.all(
        Array.from({ length: shoppers }, async () => {
            while (Date.now() < end) {
                const started = performance.now();
                try {
                    await journey(entry, `bench-${process.pid}-${Date.now()}-${serial++}`);
                    times.push(performance.now() - started);
                } catch (err) {
                    failed.push((err as Error).message);
                }
            }
        }),
    );
    return { times, failed };
}

async function journey(entry: string, name: string): Promise<void> {
    const cookies = new Map<string, string>();
    let csrf = "";
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
        const response = await fetch(`${entry}${path}`, {
            method,
            headers: {
                ...(body === undefined ? {} : { "content-type": "application/json" }),
                cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
                "x-csrf-token": csrf,
                ...headers,
            },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(30_000),
        });
        for (const c of response.headers.getSetCookie()) {
            const [pair] = c.split(";");
            cookies.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
        }
        const text = await response.text();
        if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status}`);
        return text.startsWith("{") ? JSON.parse(text) : text;
    };
    csrf = (await call("GET", "/api/session")).csrfToken;
    await call("GET", "/");
    // A product in stock (the seed leaves about one in sixteen sold out): a refused checkout is not the stage's fault.
    let productId = 1 + Math.floor(Math.random() * catalogSize);
    while ((await call("GET", `/api/products/${productId}`)).stock < 1) productId = 1 + (productId % catalogSize);
    await call("GET", `/products/${productId}`);
    csrf = (await call("POST", "/api/users", { email: `${name}@example.com`, name: "Bench Shopper", password: "correct horse battery" })).csrfToken;
    await call("POST", "/api/cart/items", { productId, quantity: 1 });
    await call("POST", "/api/checkout", undefined, { "idempotency-key": name });
}

function percentile(values: number[], p: number): number {
    if (values.length === 0) return 0;
    const sorted = [...values].sort((a, b) => a - b);
    return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
}
