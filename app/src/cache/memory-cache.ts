/**
 * The in-process cache: least recently used entries go first, each entry expires after its
 * TTL. The first level of the shop's cache (stage 3 adds Redis behind it).
 */
export class MemoryCache {
    private readonly entries = new Map<string, { value: unknown; expires: number }>();
    hits = 0;
    misses = 0;

    constructor(private readonly capacity = 10_000) {}

    get<T>(key: string): T | undefined {
        const entry = this.entries.get(key);
        if (!entry || entry.expires <= Date.now()) {
            if (entry) this.entries.delete(key);
            this.misses++;
            return undefined;
        }
        // Re-insert to mark it most recently used.
        this.entries.delete(key);
        this.entries.set(key, entry);
        this.hits++;
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

    /** Returns the cached value, or loads, caches and returns it. Concurrent misses of one key share one load. */
    async getOrLoad<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
        const cached = this.get<T>(key);
        if (cached !== undefined) return cached;
        const pending = this.loading.get(key) as Promise<T> | undefined;
        if (pending) return pending;
        const loading = load().then(
            (value) => {
                this.loading.delete(key);
                this.set(key, value, ttlMs);
                return value;
            },
            (err) => {
                this.loading.delete(key);
                throw err;
            },
        );
        this.loading.set(key, loading);
        return loading;
    }

    private readonly loading = new Map<string, Promise<unknown>>();
}
