/**
 * Search that finds what people type, the same on the three engines a shop may search: the
 * embedded PGlite, a real PostgreSQL server, and a real OpenSearch (2.19, the AWS domain's
 * version) fed by the catalog's outbox.
 */
import { OpenSearchServer, startOpenSearch } from "../../tools/servers/opensearch";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { untilEngine } from "./support/search";
import { RunningShop, ShopClient, startShop } from "./support/shop";

type Backend = { env: Record<string, string>; engine: "postgres" | "opensearch"; stop(): Promise<void> };

const backends: [string, () => Promise<Backend>][] = [
    ["the embedded default (PGlite)", async () => ({ env: {}, engine: "postgres", stop: async () => undefined })],
    [
        "PostgreSQL",
        async () => {
            const pg = await startPostgres();
            return { env: { SHOP_DATABASE_URL: await pg.createDatabase("shop") }, engine: "postgres", stop: () => pg.stop() };
        },
    ],
    [
        "OpenSearch",
        async () => {
            const [pg, os]: [PostgresServer, OpenSearchServer] = await Promise.all([startPostgres(), startOpenSearch()]);
            return {
                env: { SHOP_DATABASE_URL: await pg.createDatabase("shop"), SHOP_SEARCH_URL: os.url },
                engine: "opensearch",
                stop: async () => void (await Promise.all([pg.stop(), os.stop()])),
            };
        },
    ],
];

describe.each(backends)("search on %s", (_, start) => {
    let backend: Backend;
    let shop: RunningShop;
    const client = new ShopClient("");
    const search = async (query: string) => {
        const answer = await client.request("GET", `/api/search?${query}`);
        expect(answer.status).toBe(200);
        expect(answer.data.engine).toBe(backend.engine);
        return answer.data as {
            total: number;
            page: number;
            limit: number;
            items: { id: number; name: string; sku: string; categorySlug: string; priceCents: number; highlight: string }[];
            facets: { categories: { slug: string; count: number }[]; prices: { fromCents: number; toCents?: number; count: number }[] };
        };
    };

    beforeAll(async () => {
        backend = await start();
        shop = await startShop(backend.env);
        (client as { baseUrl: string }).baseUrl = shop.url;
        await untilEngine(shop.url, backend.engine);
    }, 180_000);
    afterAll(async () => {
        await shop?.close();
        await backend?.stop();
    });

    it("finds a part of a word: pan finds the saucepans, first", async () => {
        const result = await search("q=pan");
        expect(result.total).toBeGreaterThanOrEqual(12);
        expect(result.items.slice(0, 12).every((p) => p.name.includes("Saucepan"))).toBe(true);
        expect(result.items[0].highlight).toMatch(/<mark>[^<]*pan<\/mark>/i);
    });

    it("finds the singular of a plural and forgives a typo: knives, skilet", async () => {
        const knives = await search("q=knives");
        expect(knives.items[0].name).toContain("Chef's Knife");
        expect(knives.items.slice(0, 16).every((p) => p.name.includes("Chef's Knife"))).toBe(true);
        const skillets = await search("q=skilet");
        expect(skillets.total).toBe(12);
        expect(skillets.items.every((p) => p.name.includes("Cast Iron Skillet"))).toBe(true);
    });

    it("finds a category by its name and a product by its SKU", async () => {
        const kitchen = await search("q=kitchen&limit=100");
        expect(kitchen.total).toBe(84);
        expect(kitchen.items.every((p) => p.categorySlug === "kitchen")).toBe(true);
        const sku = await search("q=KIT-0001");
        expect(sku.items[0].sku).toBe("KIT-0001");
        expect((await search("q=kit-0001")).items[0].sku).toBe("KIT-0001");
    });

    it("pages through every result with the total: walnut's 85 over four pages of 24", async () => {
        const seen = new Set<number>();
        let total = 0;
        for (let page = 1; page <= 4; page++) {
            const result = await search(`q=walnut&page=${page}&limit=24`);
            expect(result).toMatchObject({ page, limit: 24, total: 85 });
            expect(result.items).toHaveLength(page < 4 ? 24 : 85 - 72);
            for (const p of result.items) seen.add(p.id);
            total = result.total;
        }
        expect(seen.size).toBe(total);
        expect((await search("q=walnut&page=5&limit=24")).items).toHaveLength(0);
    });

    it("filters by category and price, counts facets whatever the filters, and sorts", async () => {
        const all = await search("q=walnut&limit=100");
        expect(all.facets.categories.reduce((n, c) => n + c.count, 0)).toBe(85);
        expect(all.facets.prices.reduce((n, r) => n + r.count, 0)).toBe(85);
        const kitchen = all.facets.categories.find((c) => c.slug === "kitchen")!;
        const filtered = await search("q=walnut&category=kitchen&limit=100");
        expect(filtered.total).toBe(kitchen.count);
        expect(filtered.items.every((p) => p.categorySlug === "kitchen")).toBe(true);
        expect(filtered.facets.categories).toEqual(all.facets.categories);
        const cheap = await search("q=walnut&minPrice=2500&maxPrice=5000&sort=price-asc&limit=100");
        expect(cheap.total).toBe(all.facets.prices.find((r) => r.fromCents === 2500)!.count);
        expect(cheap.items.every((p) => p.priceCents >= 2500 && p.priceCents < 5000)).toBe(true);
        const prices = cheap.items.map((p) => p.priceCents);
        expect(prices).toEqual([...prices].sort((a, b) => a - b));
        const descending = (await search("q=walnut&sort=price-desc&limit=100")).items.map((p) => p.priceCents);
        expect(descending).toEqual([...descending].sort((a, b) => b - a));
    });

    it("finds nothing for nonsense, and refuses bad parameters naming them", async () => {
        expect((await search("q=xyzzyplugh")).total).toBe(0);
        const bad = await client.request("GET", "/api/search?q=pan&page=0");
        expect(bad.status).toBe(400);
        expect(bad.data.error).toMatch(/page/);
        expect((await client.request("GET", "/api/search?q=pan&sort=random")).status).toBe(400);
    });

    it("keeps the query in the box on the results page, with pages and highlights", async () => {
        const page = await client.request("GET", "/search?q=walnut&page=2");
        expect(page.status).toBe(200);
        expect(page.data.replace(/\s+/g, " ")).toContain(
            'name="q" type="search" placeholder="Search products" aria-label="Search products" maxlength="200" value="walnut"',
        );
        expect(page.data).toContain("85 products match · page 2 of 4");
        expect(page.data).toMatch(/href="\/search\?q=walnut&amp;page=3(&amp;sort=relevance)?" rel="next"/);
        expect(page.data).toContain("<mark>Walnut</mark>");
        const escaped = await client.request("GET", `/search?q=${encodeURIComponent('<script>"x"')}`);
        expect(escaped.data).not.toContain("<script>");
    });
});
