/** The catalog: categories, products and their stock. Reads are cached in process briefly. */
import { ShopCache } from "../../cache/shop-cache";
import { Database } from "../../db/database";

export interface Category {
    id: number;
    slug: string;
    name: string;
    description: string;
    productCount: number;
}

export interface Product {
    id: number;
    categoryId: number;
    categorySlug: string;
    sku: string;
    name: string;
    description: string;
    priceCents: number;
    stock: number;
    hue: number;
}

export interface ProductPage {
    items: Product[];
    page: number;
    pageSize: number;
    total: number;
}

const productColumns = `p.id, p.category_id AS "categoryId", c.slug AS "categorySlug", p.sku, p.name, p.description,
    p.price_cents AS "priceCents", p.stock, p.hue`;

/** How long Redis keeps a product (level 2): writes invalidate it, so this bounds only what no write announced. */
export const productLifeInRedisMs = 10 * 60_000;

export class Catalog {
    constructor(
        private readonly db: Database,
        private readonly cache: ShopCache,
    ) {}

    async categories(): Promise<Category[]> {
        const categories = await this.cache.getOrLoad("categories", 60_000, async () => {
            const { rows } = await this.db.query<Category & { productCount: string }>(
                `SELECT c.id, c.slug, c.name, c.description, count(p.id) AS "productCount"
                 FROM categories c LEFT JOIN products p ON p.category_id = c.id GROUP BY c.id ORDER BY c.name`,
            );
            return rows.map((r) => ({ ...r, productCount: Number(r.productCount) }));
        });
        return categories ?? [];
    }

    async products(options: { categorySlug?: string; page: number; pageSize: number }): Promise<ProductPage> {
        const { categorySlug, page, pageSize } = options;
        const where = categorySlug ? "WHERE c.slug = $3" : "";
        const params: unknown[] = [pageSize, (page - 1) * pageSize, ...(categorySlug ? [categorySlug] : [])];
        const [items, total] = await Promise.all([
            this.db.read<Product>(
                `SELECT ${productColumns} FROM products p JOIN categories c ON c.id = p.category_id ${where} ORDER BY p.id LIMIT $1 OFFSET $2`,
                params,
            ),
            this.db.read<{ n: string }>(
                `SELECT count(*) AS n FROM products p JOIN categories c ON c.id = p.category_id ${categorySlug ? "WHERE c.slug = $1" : ""}`,
                categorySlug ? [categorySlug] : [],
            ),
        ]);
        return { items: items.rows, page, pageSize, total: Number(total.rows[0].n) };
    }

    product(id: number): Promise<Product | undefined> {
        // Every change of a product (its stock) invalidates it everywhere (forget), so Redis may keep it long;
        // level-1 copies live 2 s at most, since an invalidation message can be lost.
        return this.cache.getOrLoad(
            `product:${id}`,
            5_000,
            async () => {
                const { rows } = await this.db.query<Product>(
                    `SELECT ${productColumns} FROM products p JOIN categories c ON c.id = p.category_id WHERE p.id = $1`,
                    [id],
                );
                return rows[0];
            },
            productLifeInRedisMs,
        );
    }

    async productsByIds(ids: number[]): Promise<Map<number, Product>> {
        if (ids.length === 0) return new Map();
        const { rows } = await this.db.query<Product>(
            `SELECT ${productColumns} FROM products p JOIN categories c ON c.id = p.category_id WHERE p.id = ANY($1::int[])`,
            [ids],
        );
        return new Map(rows.map((p) => [p.id, p]));
    }

    /** Drops cached copies after a write (stock taken or returned), in every instance. */
    forget(ids: number[]): Promise<void> {
        return this.cache.invalidate(ids.map((id) => `product:${id}`));
    }
}
