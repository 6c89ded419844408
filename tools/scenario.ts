/**
 * The traffic a stack is priced under (`npm run plan -- --cost --load 30%` or `--load 1500rps`):
 * an average load, a think time, a mix of journeys, and the per-page figures that turn page
 * views into bytes, log lines, I/O and connections. Every figure is stated here, with where it
 * comes from; those marked "assumed" are not measured yet (the evolution lab, a later issue,
 * measures journeys).
 */

/** A step of a shopper's visit: its share of page views and its CPU cost against a product page. */
export interface Journey {
    share: number;
    /** CPU a page view of this journey costs, in product pages (a product page is 1). */
    cpu: number;
    basis: string;
}

export interface Scenario {
    /** Page views a second on average: a share of the stack's capacity at its minimum size, or a rate. */
    load: { percentOfCapacity: number } | { pagesPerSecond: number };
    /** Seconds a shopper waits between pages: users = pages a second × think time. */
    thinkTimeSeconds: number;
    journeys: Record<string, Journey>;
    traffic: typeof traffic;
}

/** Per page view, whatever the journey. */
export const traffic = {
    /** The shop's HTML pages are 1.7-1.9 KB; with response headers (cookies, security headers) about 3 KB. */
    responseBytes: 3000,
    /** A browser's request: request line, headers and cookies. Ingress from the internet is free; load balancers bill it as processed bytes. */
    requestBytes: 700,
    /** Assumed: a visit keeps one connection open between pages (think time below the load balancers' 60 s idle timeout) for 8 page views. */
    pageViewsPerConnection: 8,
    /** Assumed: bytes between the app and its database and cache for a page, both directions (a cache hit ratio of 93.5%, `npm run bench`). */
    dataTierBytes: 4000,
    /** Assumed: database queries a page view costs (with the cache in front), and cache operations (session, product, cart). */
    databaseQueries: 1,
    cacheOperations: 3,
    /** Assumed: Aurora storage I/Os a page view causes: reads missing the buffer cache, and writes (carts, orders, sessions). */
    auroraReadIo: 0.2,
    auroraWriteIo: 0.1,
    /** Assumed: bytes a page view's writes send to another region (Aurora global database, Valkey global datastore), each. */
    replicatedBytes: 1000,
    /** The shop's request log line (app/src/app.ts, pino JSON: level, time, pid, hostname, reqId, method, url, status, ms), about 210 bytes, plus CloudWatch's 26 bytes an event. */
    logLineBytes: 236,
    /** Assumed: VPC flow log records (default format, 60 s aggregation) an open client connection writes a minute: two network interfaces it passes (load balancer, target), both directions. */
    flowRecordsPerConnectionMinute: 4,
    flowRecordBytes: 130,
    /** Assumed: an EKS cluster's control plane logs (api, audit, authenticator, controllerManager, scheduler) a day, in GB. */
    eksControlPlaneLogGbPerDay: 2,
    /** Assumed: the custom metrics Container Insights makes a node (its node, pod, service, namespace and cluster aggregates, shared out). */
    containerInsightsMetricsPerNode: 40,
    /** Assumed: bytes a page view sends to the internet through NAT besides logs (checkout's call to the payment provider). */
    natBytesPerPage: 100,
    /** Assumed: data an Aurora cluster stores, GB; a bucket of media, GB; ALB access logs gzipped, bytes a request. */
    auroraStorageGb: 10,
    mediaBucketGb: 5,
    accessLogBytesPerRequest: 60,
    /** Assumed: what an image repository holds, GB. */
    imageRepositoryGb: 2,
    /** Assumed: what a backup vault holds, GB (a stage's data kept daily and monthly, incremental after the first). */
    backupVaultGb: 30,
    /**
     * Assumed, as X-Ray's pricing page's example: people query a traced region's traces 100 times a day, each query
     * scanning the last hour's traces and retrieving 50 of them whole.
     */
    traceQueriesPerDay: 100,
    tracesRetrievedPerQuery: 50,
};

/**
 * The journey mix, in page views. The product page's cost is measured (`npm run bench`, README's
 * benchmark table); the others are assumed from what they do, until the lab measures them.
 */
export const journeys: Record<string, Journey> = {
    "product page": { share: 0.72, cpu: 1, basis: "measured: PostgreSQL product page, 2,476 pages/s (npm run bench)" },
    search: { share: 0.12, cpu: 2, basis: "assumed: a full-text query and a list page" },
    cart: { share: 0.12, cpu: 1.5, basis: "assumed: a session read, a write and a page" },
    checkout: { share: 0.03, cpu: 3, basis: "assumed: a transaction over orders, stock and payment" },
    // scrypt, N = 16384, r = 8 (app/src/modules/users/passwords.ts): about 40 ms of a vCPU, against 0.4 ms for a product page.
    "sign-in": { share: 0.01, cpu: 100, basis: "assumed: one scrypt hash (N = 16384, r = 8), about 40 ms of a vCPU" },
};

export const defaultScenario: Scenario = { load: { percentOfCapacity: 30 }, thinkTimeSeconds: 10, journeys, traffic };

/** CPU a page view of the mix costs, in product pages. */
export function mixCost(mix: Record<string, Journey>): number {
    return Object.values(mix).reduce((sum, j) => sum + j.share * j.cpu, 0);
}

/** `--load 30%` or `--load 1500rps` (page views a second); anything else is an error saying what is expected. */
export function parseLoad(text: string): Scenario["load"] {
    const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
    if (percent && Number(percent[1]) > 0) return { percentOfCapacity: Number(percent[1]) };
    const rate = /^(\d+(?:\.\d+)?)rps$/.exec(text);
    if (rate && Number(rate[1]) > 0) return { pagesPerSecond: Number(rate[1]) };
    throw new Error(`--load ${text}: expected a share of capacity (30%) or page views a second (1500rps), above zero`);
}

export function describeScenario(s: Scenario): string {
    const load = "percentOfCapacity" in s.load ? `${s.load.percentOfCapacity}% of the capacity at minimum size` : "a set rate";
    const mix = Object.entries(s.journeys)
        .map(([name, j]) => `${name} ${Math.round(j.share * 100)}%`)
        .join(", ");
    return `${load}, think time ${s.thinkTimeSeconds} s, journeys: ${mix}`;
}
