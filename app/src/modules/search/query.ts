/** What a search asks and answers, the same on OpenSearch and on PostgreSQL. */
import { escapeHtml } from "../../http/html";
import { Product } from "../catalog/catalog";

export const sorts = ["relevance", "price-asc", "price-desc", "name"] as const;
export type Sort = (typeof sorts)[number];

export interface SearchQuery {
    text: string;
    /** 1-based. */
    page: number;
    limit: number;
    category?: string;
    minPriceCents?: number;
    maxPriceCents?: number;
    sort: Sort;
}

export interface SearchHit extends Product {
    /** The name as HTML, with the matched words in <mark>; the rest escaped. */
    highlight: string;
}

export interface Facets {
    /** Products matching the words, by category (whatever the filters). */
    categories: { slug: string; count: number }[];
    /** Products matching the words, by price range (whatever the filters). */
    prices: { fromCents: number; toCents?: number; count: number }[];
}

export interface SearchResult {
    query: string;
    /** Which engine answered: OpenSearch, or PostgreSQL (the default, and the fallback). */
    engine: "opensearch" | "postgres";
    items: SearchHit[];
    total: number;
    page: number;
    limit: number;
    facets: Facets;
}

/** The price ranges offered as facets, in cents: [from, to). */
export const priceRanges: { fromCents: number; toCents?: number }[] = [
    { fromCents: 0, toCents: 2500 },
    { fromCents: 2500, toCents: 5000 },
    { fromCents: 5000, toCents: 10000 },
    { fromCents: 10000, toCents: 20000 },
    { fromCents: 20000 },
];

/** A query's words: lower case, at most eight, letters, digits and inner hyphens or apostrophes. */
export function queryWords(text: string): string[] {
    return (text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? []).slice(0, 8);
}

/** Highlight markers: private-use characters no product name holds; the text is escaped around them, then they become tags. */
export const markStart = "\ue000";
export const markEnd = "\ue001";

export function markedToHtml(marked: string): string {
    return escapeHtml(marked).replaceAll(markStart, "<mark>").replaceAll(markEnd, "</mark>");
}

/** Marks the words of `name` that a query word starts, or that start it (the PostgreSQL engine's highlight). */
export function highlightWords(name: string, words: string[]): string {
    const marked = name.replace(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu, (word) => {
        const lower = word.toLowerCase();
        const matches = words.some((w) => w.length >= 2 && (lower.startsWith(w) || w.startsWith(lower) || (w.length >= 3 && lower.includes(w))));
        return matches ? `${markStart}${word}${markEnd}` : word;
    });
    return markedToHtml(marked);
}
