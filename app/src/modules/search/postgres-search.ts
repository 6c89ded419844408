/**
 * Product search on PostgreSQL: the embedded default, and the fallback when OpenSearch is down
 * or slow. Each word of the query must match the product in one of these ways: a stemmed word
 * or the start of one (full-text search: `knives`, `running`), a part of a word of the name
 * (`pan` in saucepan), the start of the category's name (`kitchen`), the SKU, or a word close
 * to it in spelling (pg_trgm's word similarity: `skilet`). Facets count what the words match
 * whatever the filters, so that a filter can be changed from the page.
 */
import { Database } from "../../db/database";
import { Facets, highlightWords, priceRanges, queryWords, SearchQuery, SearchResult } from "./query";

/** Word similarity from which a word counts as a misspelling of a word of the name or the category (0-1). */
const typoSimilarity = 0.45;

const priceBucket = `CASE ${priceRanges.map((r, i) => (r.toCents === undefined ? `ELSE ${i}` : `WHEN p.price_cents < ${r.toCents} THEN ${i}`)).join(" ")} END`;

const orderBy: Record<SearchQuery["sort"], string> = {
    relevance: "score DESC, id",
    "price-asc": `"priceCents", id`,
    "price-desc": `"priceCents" DESC, id`,
    name: "name, id",
};

export class PostgresSearch {
    constructor(private readonly db: Database) {}

    async search(query: SearchQuery): Promise<SearchResult> {
        const words = queryWords(query.text);
        const empty = { query: query.text, engine: "postgres" as const, items: [], total: 0, page: query.page, limit: query.limit };
        if (words.length === 0) return { ...empty, facets: { categories: [], prices: [] } };
        const params: unknown[] = [];
        const param = (value: unknown) => `$${params.push(value)}`;
        const conditions = words.map((word) => {
            const w = param(word);
            // A tsquery of the word as a prefix; queryWords leaves only letters, digits and inner hyphens here.
            const prefix = param(`'${word.replace(/['’]/g, "")}':*`);
            const exact = (p: string, c: string) => `(${p}.search @@ to_tsquery('english', ${prefix})
                     OR lower(${p}.name) LIKE '%' || ${w} || '%'
                     OR lower(${c}.name) LIKE ${w} || '%'
                     OR lower(${p}.sku) = ${w})`;
            // A misspelling only when the word is found nowhere as typed, and never for words of three letters or
            // fewer (too many look alike); compared by its stem, so that a plural finds the singular (knives: knife).
            if (word.length < 4) return exact("p", "c");
            return `(${exact("p", "c")}
                     OR (NOT EXISTS (SELECT 1 FROM products p2 JOIN categories c2 ON c2.id = p2.category_id WHERE ${exact("p2", "c2")})
                         AND word_similarity(coalesce((ts_lexize('english_stem', ${w}))[1], ${w}), lower(p.name || ' ' || c.name)) >= ${typoSimilarity}))`;
        });
        const whole = param(words.join(" "));
        const matched = `SELECT p.id, p.category_id AS "categoryId", c.slug AS "categorySlug", p.sku, p.name, p.description,
                p.price_cents AS "priceCents", p.stock, p.hue, ${priceBucket} AS bucket,
                (CASE WHEN lower(p.sku) = ${whole} THEN 10 ELSE 0 END) + word_similarity(${whole}, lower(p.name)) * 2
                    + ts_rank(p.search, websearch_to_tsquery('english', ${whole})) + (CASE WHEN lower(c.name) = ${whole} THEN 0.5 ELSE 0 END) AS score
            FROM products p JOIN categories c ON c.id = p.category_id
            WHERE ${conditions.join(" AND ")}`;
        const filters = [
            query.category !== undefined ? `"categorySlug" = ${param(query.category)}` : "true",
            query.minPriceCents !== undefined ? `"priceCents" >= ${param(query.minPriceCents)}` : "true",
            query.maxPriceCents !== undefined ? `"priceCents" < ${param(query.maxPriceCents)}` : "true",
        ].join(" AND ");
        const matchedParams = params.slice();
        const limit = param(query.limit);
        const offset = param((query.page - 1) * query.limit);
        const [items, counts] = await Promise.all([
            this.db.read<SearchResult["items"][number] & { score: number; bucket: number }>(
                `WITH matched AS (${matched}) SELECT * FROM matched WHERE ${filters} ORDER BY ${orderBy[query.sort]} LIMIT ${limit} OFFSET ${offset}`,
                params,
            ),
            this.db.read<{ categorySlug: string; bucket: number; n: string; filtered: string }>(
                `WITH matched AS (${matched})
                 SELECT "categorySlug", bucket, count(*) AS n, count(*) FILTER (WHERE ${filters}) AS filtered FROM matched GROUP BY 1, 2`,
                matchedParams,
            ),
        ]);
        const facets: Facets = { categories: [], prices: priceRanges.map((r) => ({ ...r, count: 0 })) };
        const byCategory = new Map<string, number>();
        let total = 0;
        for (const row of counts.rows) {
            byCategory.set(row.categorySlug, (byCategory.get(row.categorySlug) ?? 0) + Number(row.n));
            facets.prices[row.bucket].count += Number(row.n);
            total += Number(row.filtered);
        }
        facets.categories = [...byCategory].map(([slug, count]) => ({ slug, count })).sort((a, b) => b.count - a.count || a.slug.localeCompare(b.slug));
        return {
            ...empty,
            items: items.rows.map(({ score: _score, bucket: _bucket, ...p }) => ({ ...p, highlight: highlightWords(p.name, words) })),
            total,
            facets,
        };
    }
}
