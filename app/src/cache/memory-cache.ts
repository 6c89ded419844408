/**
 * An in-process map with a capacity and per-entry TTLs: least recently used entries go
 * first. The first level of the shop's cache (see shop-cache.ts).
 */
export class MemoryCache {
    private readonly entries = new Map<string, { value: unknown; expires: number }>();

    constructor(private readonly capacity = 10_000) {}

    get<T>(key: string): T | undefined {
        const entry = this.entries.get(key);
        if (!entry || entry.expires <= Date.now()) {
            if (entry) this.entries.delete(key);
            return undefined;
        }
        // Re-insert to mark it most recently used.
        this.entries.delete(key);
        this.entries.set(key, entry);
        return entry.value as T;
    }

    set(key: string, value: unknown, ttlMs: number): void {
        this.entries.delete(key);
        this.entries.set(key, { value, expires: Date.now() + ttlMs });
        while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }

    delete(key: string): void {
        this.entries.delete(key);
    }
}
