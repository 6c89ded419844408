/**
 * Product search on OpenSearch: the words over name, category, description and SKU, stemmed,
 * by the starts and parts of words; when nothing matches as typed, once more forgiving typos
 * (fuzziness AUTO: one edit in words of 3-5 letters, two beyond). Filters apply after the
 * facets are counted (post_filter), as on PostgreSQL.
 */
import type { Client } from "@opensearch-project/opensearch";
import { productsAlias } from "./product-index";
import { escapeHtml } from "../../http/html";
import { markEnd, markedToHtml, markStart, priceRanges, queryWords, SearchHit, SearchQuery, SearchResult } from "./query";

const sortBy: Record<SearchQuery["sort"], unknown[]> = {
    relevance: ["_score", { id: "asc" }],
    "price-asc": [{ priceCents: "asc" }, { id: "asc" }],
    "price-desc": [{ priceCents: "desc" }, { id: "asc" }],
    name: [{ "name.sort": "asc" }, { id: "asc" }],
};

function matchAsTyped(text: string): unknown {
    return {
        bool: {
            should: [
                { multi_match: { query: text, type: "cross_fields", fields: ["name^4", "categoryName^3", "description"], operator: "and" } },
                { multi_match: { query: text, type: "cross_fields", fields: ["name.prefix^2", "categoryName.prefix"], operator: "and" } },
                { match: { "name.infix": { query: text, operator: "and", boost: 0.3 } } },
                { term: { sku: { value: text.trim(), boost: 20 } } },
            ],
            minimum_should_match: 1,
        },
    };
}

function matchWithTypos(text: string): unknown {
    return { multi_match: { query: text, fields: ["name^4", "categoryName^3"], fuzziness: "AUTO", prefix_length: 1, operator: "and" } };
}

interface Hits {
    hits: { total: { value: number }; hits: { _source: SearchHit & { categoryName: string; version: number }; highlight?: Record<string, string[]> }[] };
    aggregations: { categories: { buckets: { key: string; doc_count: number }[] }; prices: { buckets: { doc_count: number }[] } };
}

export class OpenSearchSearch {
    constructor(private readonly client: Client) {}

    async search(query: SearchQuery): Promise<SearchResult> {
        const base = { query: query.text, engine: "opensearch" as const, page: query.page, limit: query.limit };
        if (queryWords(query.text).length === 0) return { ...base, items: [], total: 0, facets: { categories: [], prices: [] } };
        let hits = await this.run(matchAsTyped(query.text), query);
        if (hits.hits.total.value === 0 && hits.aggregations.categories.buckets.length === 0) hits = await this.run(matchWithTypos(query.text), query);
        return {
            ...base,
            items: hits.hits.hits.map(({ _source: { categoryName: _c, version: _v, ...product }, highlight }) => {
                const marked = highlight?.name?.[0] ?? highlight?.["name.prefix"]?.[0] ?? highlight?.["name.infix"]?.[0];
                return { ...product, highlight: marked ? markedToHtml(marked) : escapeHtml(product.name) };
            }),
            total: hits.hits.total.value,
            facets: {
                categories: hits.aggregations.categories.buckets.map((b) => ({ slug: b.key, count: b.doc_count })),
                prices: hits.aggregations.prices.buckets.map((b, i) => ({ ...priceRanges[i], count: b.doc_count })),
            },
        };
    }

    private async run(match: unknown, query: SearchQuery): Promise<Hits> {
        const filters: unknown[] = [];
        if (query.category !== undefined) filters.push({ term: { categorySlug: query.category } });
        if (query.minPriceCents !== undefined || query.maxPriceCents !== undefined)
            filters.push({ range: { priceCents: { gte: query.minPriceCents, lt: query.maxPriceCents } } });
        const response = await this.client.search({
            index: productsAlias,
            body: {
                query: match,
                post_filter: { bool: { filter: filters } },
                aggs: {
                    categories: { terms: { field: "categorySlug", size: 100, order: [{ _count: "desc" }, { _key: "asc" }] } },
                    prices: { range: { field: "priceCents", ranges: priceRanges.map((r) => ({ from: r.fromCents, to: r.toCents })) } },
                },
                sort: sortBy[query.sort],
                from: (query.page - 1) * query.limit,
                size: query.limit,
                track_total_hits: true,
                highlight: {
                    pre_tags: [markStart],
                    post_tags: [markEnd],
                    require_field_match: false,
                    fields: { name: { number_of_fragments: 0 }, "name.prefix": { number_of_fragments: 0 }, "name.infix": { number_of_fragments: 0 } },
                },
            } as never,
        });
        return response.body as unknown as Hits;
    }
}
