/** Every product's picture drawn and stored once (per drawings version), by whichever instance starts first. */
import { FastifyBaseLogger } from "fastify";
import { Database } from "../../db/database";
import { Product } from "./catalog";
import { MediaStore } from "./media-store";
import { drawingsVersion, drawProduct } from "./product-drawings";

export const pictureKey = (sku: string) => `products/${sku}-v${drawingsVersion}.svg`;
const completeKey = `products/complete-v${drawingsVersion}`;

/** Draws and stores the pictures unless a complete set is there. Returns how many it stored. */
export async function ensureProductPictures(store: MediaStore, db: Database, log: FastifyBaseLogger): Promise<number> {
    if (await store.exists(completeKey)) return 0;
    const { rows } = await db.query<{ sku: string; slug: string; hue: number }>(
        "SELECT p.sku, c.slug, p.hue FROM products p JOIN categories c ON c.id = p.category_id ORDER BY p.id",
    );
    log.info({ pictures: rows.length, store: store.kind }, "media: drawing the product pictures");
    // A few uploads at a time: fast, without opening a connection per product.
    const queue = rows.slice();
    await Promise.all(
        Array.from({ length: 8 }, async () => {
            for (let row = queue.shift(); row; row = queue.shift()) await store.put(pictureKey(row.sku), drawProduct(row.slug, row.hue), "image/svg+xml");
        }),
    );
    await store.put(completeKey, String(rows.length), "text/plain");
    log.info({ pictures: rows.length }, "media: product pictures stored");
    return rows.length;
}

/** The picture URLs of `products`, by product id. */
export async function pictureUrls(store: MediaStore, products: Pick<Product, "id" | "sku">[]): Promise<Map<number, string>> {
    return new Map(await Promise.all(products.map(async (p) => [p.id, await store.url(pictureKey(p.sku))] as const)));
}
