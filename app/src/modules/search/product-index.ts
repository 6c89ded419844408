/**
 * The products' search index on OpenSearch. Searches and writes go through an alias; the index
 * behind it carries its mapping's version. At start, when the alias is missing or its mapping
 * version differs from this code's, a full reindex builds a new index beside the old one and
 * swaps the alias in one atomic step, so searches never see a half-built index. Every document
 * carries its product's version as an external version: an older write never replaces a newer.
 */
import type { Client } from "@opensearch-project/opensearch";
import { FastifyBaseLogger } from "fastify";
import { Database } from "../../db/database";
import { Product } from "../catalog/catalog";
import { statusOf } from "./opensearch-status";

export const productsAlias = "shop-products";
/** Key of the advisory lock under which one instance at a time (re)builds the index. */
const reindexLockKey = 7_300_419;

export interface IndexMapping {
    /** Raise it with every change of the settings or mappings: instances then rebuild the index at start. */
    version: number;
    settings: Record<string, unknown>;
    properties: Record<string, unknown>;
}

export const productMapping: IndexMapping = {
    version: 1,
    settings: {
        number_of_shards: 1,
        analysis: {
            filter: {
                shop_prefix: { type: "edge_ngram", min_gram: 2, max_gram: 15 },
            },
            tokenizer: {
                // A tokenizer, not a filter: each trigram its own position, so that a query's trigrams must all match.
                shop_trigrams: { type: "ngram", min_gram: 3, max_gram: 3, token_chars: ["letter", "digit"] },
            },
            analyzer: {
                // Starts of words (`skil` finds skillet): n-grams when indexing, whole words when searching.
                shop_prefix: { type: "custom", tokenizer: "standard", filter: ["lowercase", "asciifolding", "shop_prefix"] },
                shop_words: { type: "custom", tokenizer: "standard", filter: ["lowercase", "asciifolding"] },
                // Parts of words (`pan` finds saucepan): trigrams on both sides.
                shop_infix: { type: "custom", tokenizer: "shop_trigrams", filter: ["lowercase", "asciifolding"] },
            },
            normalizer: { shop_lower: { type: "custom", filter: ["lowercase"] } },
        },
    },
    properties: {
        id: { type: "integer" },
        categoryId: { type: "integer" },
        categorySlug: { type: "keyword" },
        categoryName: {
            type: "text",
            analyzer: "english",
            fields: { prefix: { type: "text", analyzer: "shop_prefix", search_analyzer: "shop_words" } },
        },
        sku: { type: "keyword", normalizer: "shop_lower" },
        name: {
            type: "text",
            analyzer: "english",
            fields: {
                prefix: { type: "text", analyzer: "shop_prefix", search_analyzer: "shop_words" },
                infix: { type: "text", analyzer: "shop_infix" },
                sort: { type: "keyword" },
            },
        },
        description: { type: "text", analyzer: "english" },
        priceCents: { type: "integer" },
        stock: { type: "integer" },
        hue: { type: "integer" },
        version: { type: "long" },
    },
};

export interface IndexedProduct extends Product {
    categoryName: string;
    version: number;
}

const indexedColumns = `p.id, p.category_id AS "categoryId", c.slug AS "categorySlug", c.name AS "categoryName", p.sku, p.name, p.description,
    p.price_cents AS "priceCents", p.stock, p.hue, p.version`;

/** The products as the index holds them, read from the catalog's database. */
export async function readIndexedProducts(db: Database, ids: number[]): Promise<IndexedProduct[]> {
    const { rows } = await db.query<IndexedProduct & { version: string }>(
        `SELECT ${indexedColumns} FROM products p JOIN categories c ON c.id = p.category_id WHERE p.id = ANY($1::int[])`,
        [ids],
    );
    return rows.map((r) => ({ ...r, version: Number(r.version) }));
}

/**
 * Writes products in one bulk request, each with its version as an external version. Returns the ids
 * that failed; a version conflict is no failure (the index already holds that version or a newer one).
 */
export async function bulkIndex(client: Client, products: IndexedProduct[], target = productsAlias): Promise<number[]> {
    if (products.length === 0) return [];
    const body = products.flatMap(({ version, ...doc }) => [
        { index: { _index: target, _id: String(doc.id), version, version_type: "external" } },
        { ...doc, version },
    ]);
    // require_alias: never let a write create a concrete index named like the alias (AWS allows automatic creation).
    const response = await client.bulk({ body, require_alias: target === productsAlias });
    const items = response.body.items as { index?: { _id: string; status: number } }[];
    return items.filter((item) => item.index && item.index.status >= 300 && item.index.status !== 409).map((item) => Number(item.index!._id));
}

/** The index behind the alias and its mapping version, or undefined when there is no alias. */
async function currentIndex(client: Client): Promise<{ index: string; version: number | undefined } | undefined> {
    try {
        const response = await client.indices.getMapping({ index: productsAlias });
        const [index, mapping] = Object.entries(response.body as Record<string, { mappings?: { _meta?: { mappingVersion?: number } } }>)[0];
        return { index, version: mapping.mappings?._meta?.mappingVersion };
    } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
    }
}

/**
 * Makes sure the alias points at an index of `mapping`'s version, building one when it does not
 * (one instance at a time). Returns whether it rebuilt.
 */
export async function ensureProductIndex(client: Client, db: Database, log: FastifyBaseLogger, mapping: IndexMapping = productMapping): Promise<boolean> {
    const current = await currentIndex(client);
    if (current?.version === mapping.version) return false;
    return db.withAdvisoryLock(reindexLockKey, async () => {
        const now = await currentIndex(client);
        if (now?.version === mapping.version) return false;
        const index = `${productsAlias}-m${mapping.version}-${Date.now()}`;
        log.info({ index, previous: now?.index, mappingVersion: mapping.version }, "search: building the products index");
        // Indices of builds that never reached the alias (a process stopped halfway) go first.
        const existing = Object.keys((await client.indices.get({ index: `${productsAlias}-*` })).body as Record<string, unknown>);
        for (const stale of existing.filter((name) => name !== now?.index)) await client.indices.delete({ index: stale });
        await client.indices.create({
            index,
            body: {
                settings: { ...mapping.settings, refresh_interval: "-1" },
                mappings: { dynamic: "strict", _meta: { mappingVersion: mapping.version }, properties: mapping.properties },
            } as never,
        });
        await copyAllProducts(client, db, index);
        await client.indices.putSettings({ index, body: { index: { refresh_interval: "1s" } } });
        await client.indices.refresh({ index });
        const actions: Record<string, unknown>[] = [{ add: { index, alias: productsAlias } }];
        if (now) actions.unshift({ remove: { index: now.index, alias: productsAlias } });
        await client.indices.updateAliases({ body: { actions } });
        // Changes committed while the copy ran went (by the outbox) to the old index: a second pass brings them
        // over; external versions keep whatever is newer.
        await copyAllProducts(client, db, index);
        if (now) {
            // Searches in flight on the old index finish first.
            setTimeout(() => void client.indices.delete({ index: now.index }).catch(() => undefined), 30_000).unref();
        }
        log.info({ index }, "search: products index ready");
        return true;
    });
}

async function copyAllProducts(client: Client, db: Database, index: string): Promise<void> {
    for (let after = 0; ;) {
        const { rows } = await db.query<{ id: number }>("SELECT id FROM products WHERE id > $1 ORDER BY id LIMIT 500", [after]);
        if (rows.length === 0) return;
        const failed = await bulkIndex(
            client,
            await readIndexedProducts(
                db,
                rows.map((r) => r.id),
            ),
            index,
        );
        if (failed.length > 0) throw new Error(`search: ${failed.length} products could not be indexed (first: ${failed[0]})`);
        after = rows[rows.length - 1].id;
    }
}
