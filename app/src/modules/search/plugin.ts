import { FastifyPluginAsync } from "fastify";
import { productSchema } from "../../http/schemas";
import { SearchQuery, sorts } from "./query";

/** The search's query string, shared by the API and the page. Prices in cents; pages 1-based. */
export const searchQuerystring = {
    q: { type: "string", maxLength: 200 },
    page: { type: "integer", minimum: 1, maximum: 1000, default: 1 },
    limit: { type: "integer", minimum: 1, maximum: 100, default: 24 },
    category: { type: "string", pattern: "^[a-z0-9-]{1,40}$" },
    minPrice: { type: "integer", minimum: 0, maximum: 100_000_000 },
    maxPrice: { type: "integer", minimum: 1, maximum: 100_000_000 },
    sort: { type: "string", enum: [...sorts], default: "relevance" },
} as const;

export interface SearchQuerystring {
    q?: string;
    page: number;
    limit: number;
    category?: string;
    minPrice?: number;
    maxPrice?: number;
    sort: SearchQuery["sort"];
}

export function toSearchQuery(qs: SearchQuerystring): SearchQuery {
    return {
        text: (qs.q ?? "").trim(),
        page: qs.page,
        limit: qs.limit,
        category: qs.category,
        minPriceCents: qs.minPrice,
        maxPriceCents: qs.maxPrice,
        sort: qs.sort,
    };
}

const countOf = { type: "integer" } as const;

/** Search API: the same answer from OpenSearch and from PostgreSQL, `engine` saying which. */
export const searchPlugin: FastifyPluginAsync = async (app) => {
    app.get<{ Querystring: SearchQuerystring & { q: string } }>(
        "/api/search",
        {
            schema: {
                querystring: {
                    type: "object",
                    properties: { ...searchQuerystring, q: { type: "string", minLength: 1, maxLength: 200 } },
                    required: ["q"],
                    additionalProperties: false,
                },
                response: {
                    200: {
                        type: "object",
                        properties: {
                            query: { type: "string" },
                            engine: { type: "string" },
                            items: {
                                type: "array",
                                items: {
                                    type: "object",
                                    properties: { ...productSchema.properties, highlight: { type: "string" } },
                                    required: productSchema.required,
                                },
                            },
                            total: countOf,
                            page: countOf,
                            limit: countOf,
                            facets: {
                                type: "object",
                                properties: {
                                    categories: { type: "array", items: { type: "object", properties: { slug: { type: "string" }, count: countOf } } },
                                    prices: { type: "array", items: { type: "object", properties: { fromCents: countOf, toCents: countOf, count: countOf } } },
                                },
                            },
                        },
                        required: ["query", "engine", "items", "total", "page", "limit", "facets"],
                    },
                },
            },
        },
        (request) => app.shop.search.search(toSearchQuery(request.query)),
    );
};
