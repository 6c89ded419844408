/** The shop's cache counters (`shop_cache_requests_total` on its metrics port), as the benchmarks read them. */

/** Cache look-ups so far, from a shop's /metrics: [level-1 hits, level-2 hits, all]. */
export async function cacheLookups(metricsUrl: string): Promise<[number, number, number]> {
    const text = await (await fetch(metricsUrl)).text();
    const count = (level: string, result: string) =>
        Number(text.match(new RegExp(`shop_cache_requests_total\\{level="${level}",result="${result}"\\} (\\d+)`))?.[1] ?? 0);
    return [count("1", "hit"), count("2", "hit"), count("1", "hit") + count("1", "miss")];
}
