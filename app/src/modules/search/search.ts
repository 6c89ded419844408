/** Product search on PostgreSQL full-text search: the default until OpenSearch arrives (stage 10). */
import { Database } from "../../db/database";
import { Product } from "../catalog/catalog";

export interface SearchResult {
    query: string;
    items: Product[];
    total: number;
}

export class Search {
    constructor(private readonly db: Database) {}

    async products(query: string, limit: number): Promise<SearchResult> {
        const { rows } = await this.db.read<Product & { total: string }>(
            `SELECT p.id, p.category_id AS "categoryId", c.slug AS "categorySlug", p.sku, p.name, p.description,
                    p.price_cents AS "priceCents", p.stock, p.hue, count(*) OVER () AS total
             FROM products p JOIN categories c ON c.id = p.category_id,
                  websearch_to_tsquery('english', $1) q
             WHERE p.search @@ q
             ORDER BY ts_rank(p.search, q) DESC, p.id
             LIMIT $2`,
            [query, limit],
        );
        return { query, items: rows.map(({ total: _, ...p }) => p), total: rows.length > 0 ? Number(rows[0].total) : 0 };
    }
}
