/**
 * Stage 10's search with faults, on real servers: PostgreSQL, OpenSearch 2.19 (behind the
 * project's nginx for HTTPS and a password, as the AWS domain presents itself) and shop
 * processes. The outbox keeps the index in step through concurrent changes, an OpenSearch
 * killed and restarted, and a mapping change rebuilt behind the alias while searches run.
 */
import { FastifyBaseLogger } from "fastify";
import { Pool } from "pg";
import { postgresDatabase } from "../src/db/database";
import { openSearchClient } from "../src/modules/search/opensearch-client";
import { bulkIndex, ensureProductIndex, productMapping, productsAlias, readIndexedProducts } from "../src/modules/search/product-index";
import { untilEngine } from "./support/search";
import { OpenSearchServer, startOpenSearch } from "../../tools/servers/opensearch";
import { PostgresServer, startPostgres } from "../../tools/servers/postgres";
import { ShopClient } from "./support/shop";
import { ShopProcess, startShopProcess } from "../../tools/servers/shop-process";
import { startTlsFront, TlsFront } from "./support/tls-front";

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as FastifyBaseLogger;
/**
 * A searcher's pause between two searches while the node is killed and restarted: a steady stream of about 30
 * searches a second per searcher through a fault of seconds, instead of a loop bound only by the CPU, which took
 * both cores from the node restarting and from the other suites (3,300 searches in those 12 s, each a PostgreSQL
 * query while the node was down). The alias swap, a moment, is searched without a pause.
 */
const searcherPace = () => new Promise((resolve) => setTimeout(resolve, 25));

describe("search on OpenSearch fed by the catalog's outbox, with faults", () => {
    let pg: PostgresServer;
    let os: OpenSearchServer;
    let databaseUrl: string;
    let sql: Pool;
    const shops: ShopProcess[] = [];

    beforeAll(async () => {
        [pg, os] = await Promise.all([startPostgres(), startOpenSearch()]);
        databaseUrl = await pg.createDatabase("shop");
        sql = new Pool({ connectionString: databaseUrl, max: 5 });
        // An idle connection the server ends is the pool's to replace (as the shop's pools do), not an error of the test:
        // a query on a server that is really gone still fails the test that makes it.
        sql.on("error", () => undefined);
        const [a, b] = await Promise.all([
            startShopProcess({ SHOP_DATABASE_URL: databaseUrl, SHOP_SEARCH_URL: os.url }),
            startShopProcess({ SHOP_DATABASE_URL: databaseUrl, SHOP_SEARCH_URL: os.url }),
        ]);
        shops.push(a, b);
        await Promise.all(shops.map((s) => untilEngine(s.url, "opensearch")));
    }, 240_000);
    afterAll(async () => {
        await Promise.all(shops.map((s) => s.stop()));
        await sql?.end();
        await Promise.all([pg?.stop(), os?.stop()]);
    });

    const indexed = async (ids: number[]) => {
        const response = await fetch(`${os.url}/${productsAlias}/_mget`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ ids: ids.map(String) }),
        });
        const body = (await response.json()) as { docs: { _id: string; _version: number; _source: { priceCents: number; stock: number } }[] };
        return new Map(body.docs.map((d) => [Number(d._id), { version: d._version, priceCents: d._source.priceCents, stock: d._source.stock }]));
    };
    const inDatabase = async (ids: number[]) => {
        const { rows } = await sql.query<{ id: number; version: string; price_cents: number; stock: number }>(
            "SELECT id, version, price_cents, stock FROM products WHERE id = ANY($1::int[])",
            [ids],
        );
        return new Map(rows.map((r) => [r.id, { version: Number(r.version), priceCents: r.price_cents, stock: r.stock }]));
    };
    /** Waits until the index holds exactly the database's state of `ids`. */
    const converged = async (ids: number[], timeoutMs = 120_000) => {
        for (const deadline = Date.now() + timeoutMs; ;) {
            const [index, db] = await Promise.all([indexed(ids).catch(() => new Map()), inDatabase(ids)]);
            if (ids.every((id) => JSON.stringify(index.get(id)) === JSON.stringify(db.get(id)))) return;
            if (Date.now() > deadline)
                throw new Error(
                    `the index did not converge: ${ids
                        .filter((id) => JSON.stringify(index.get(id)) !== JSON.stringify(db.get(id)))
                        .map((id) => `${id}: index ${JSON.stringify(index.get(id))} db ${JSON.stringify(db.get(id))}`)
                        .join("; ")}`,
                );
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
    };
    const metric = async (shop: ShopProcess, name: string) => {
        const text = await (await fetch(shop.metricsUrl)).text();
        const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
        return line === undefined ? undefined : Number(line.split(" ").pop());
    };
    const untilLagIsZero = async (shop: ShopProcess) => {
        for (const deadline = Date.now() + 120_000; (await metric(shop, "shop_search_outbox_pending")) !== 0;) {
            if (Date.now() > deadline) throw new Error("the outbox did not drain");
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(await metric(shop, "shop_search_outbox_lag_seconds")).toBe(0);
    };

    it("reaches the domain as AWS presents it: HTTPS with a verified certificate, a user and a password", async () => {
        const front: TlsFront = await startTlsFront(os.port);
        const extra: ShopProcess[] = [];
        try {
            const env = { SHOP_DATABASE_URL: databaseUrl, SHOP_SEARCH_URL: front.url, SHOP_LOG_LEVEL: "info" };
            const [trusted, untrusted, wrongPassword] = await Promise.all([
                startShopProcess({ ...env, SHOP_SEARCH_PASSWORD: front.password, NODE_EXTRA_CA_CERTS: front.caFile }),
                startShopProcess({ ...env, SHOP_SEARCH_PASSWORD: front.password }),
                startShopProcess({ ...env, SHOP_SEARCH_PASSWORD: "not-the-password", NODE_EXTRA_CA_CERTS: front.caFile }),
            ]);
            extra.push(trusted, untrusted, wrongPassword);
            await untilEngine(trusted.url, "opensearch");
            // The others cannot use it, say why, and search PostgreSQL.
            for (const [shop, why] of [
                [untrusted, /certificate/i],
                [wrongPassword, /401/],
            ] as const) {
                for (const deadline = Date.now() + 30_000; !why.test(shop.output());) {
                    if (Date.now() > deadline) throw new Error(`no log line matching ${why}: ${shop.output()}`);
                    await new Promise((resolve) => setTimeout(resolve, 200));
                }
                const answer = await new ShopClient(shop.url).request("GET", "/api/search?q=walnut");
                expect(answer.status).toBe(200);
                expect(answer.data).toMatchObject({ engine: "postgres", total: 85 });
                expect(await metric(shop, "shop_search_index_ready")).toBe(0);
            }
            expect(untrusted.output()).not.toContain(front.password);
        } finally {
            await Promise.all(extra.map((s) => s.stop()));
            await front.stop();
        }
    }, 180_000);

    it("ends at a product's last state after 50 quick changes through two shop processes; an older version never wins", async () => {
        const productId = 5;
        await sql.query("UPDATE products SET stock = 500 WHERE id = $1", [productId]);
        // 30 checkouts of one item, half through each instance, while 20 price changes come straight to the database.
        const buyers = await Promise.all(
            shops.map(async (shop, i) => {
                const c = await new ShopClient(shop.url).open();
                await c.register(`outbox${i}@example.com`);
                return c;
            }),
        );
        const checkouts = buyers.map(async (buyer, i) => {
            for (let n = 0; n < 15; n++) {
                expect((await buyer.request("POST", "/api/cart/items", { json: { productId, quantity: 1 } })).status).toBeLessThan(300);
                expect((await buyer.request("POST", "/api/checkout", { headers: { "idempotency-key": `outbox-${i}-${n}` } })).status).toBe(200);
            }
        });
        const prices = Array.from({ length: 20 }, (_, n) => sql.query("UPDATE products SET price_cents = $2 WHERE id = $1", [productId, 1000 + n]));
        await Promise.all([...checkouts, ...prices]);
        await converged([productId]);
        const [db] = [...(await inDatabase([productId])).values()];
        expect(db.stock).toBe(500 - 30);
        expect(db.version).toBeGreaterThanOrEqual(52);
        await untilLagIsZero(shops[0]);

        // A stale write (the version before) arrives late: the index keeps the newer.
        const client = openSearchClient(os.url, undefined, 10_000);
        const database = postgresDatabase({ url: databaseUrl });
        try {
            const [current] = await readIndexedProducts(database, [productId]);
            expect(await bulkIndex(client, [{ ...current, priceCents: 1, version: current.version - 1 }])).toEqual([]);
            expect((await indexed([productId])).get(productId)).toMatchObject({ version: current.version, priceCents: current.priceCents });
        } finally {
            await client.close();
            await database.close();
        }
    }, 180_000);

    it("keeps answering from PostgreSQL while OpenSearch is killed, and the index catches up after its restart", async () => {
        const shop = shops[0];
        const statuses: number[] = [];
        const engines = new Map<string, number>();
        let searching = true;
        const searchers = Array.from({ length: 4 }, async (_, i) => {
            const c = new ShopClient(shop.url);
            for (let n = 0; searching; n++) {
                const answer = await c
                    .request("GET", `/api/search?q=${["walnut", "pan", "kitchen", "boots"][(i + n) % 4]}`)
                    .catch(() => ({ status: 0, data: {} as { engine?: string } }));
                statuses.push(answer.status);
                engines.set(answer.data.engine ?? "none", (engines.get(answer.data.engine ?? "none") ?? 0) + 1);
                await searcherPace();
            }
        });
        const changed = Array.from({ length: 40 }, (_, i) => 200 + i);
        let changing = true;
        const changes = (async () => {
            for (let n = 0; changing; n++) {
                await sql.query("UPDATE products SET price_cents = price_cents + 1 WHERE id = $1", [changed[n % changed.length]]);
                await new Promise((resolve) => setTimeout(resolve, 20));
            }
        })();
        try {
            await new Promise((resolve) => setTimeout(resolve, 1000));
            await os.kill();
            const killedAt = statuses.length;
            await new Promise((resolve) => setTimeout(resolve, 3000));
            expect(statuses.length - killedAt).toBeGreaterThan(10);
            expect(engines.get("postgres") ?? 0).toBeGreaterThan(0);
            await os.restart();
            await new Promise((resolve) => setTimeout(resolve, 1000));
            changing = false;
            await changes;
            await converged(changed);
            await untilEngine(shop.url, "opensearch");
            // Searched through the fault and back to OpenSearch; the outbox's retries of changes made while the node was
            // down, which the index already holds a newer state of, drain without them.
            searching = false;
            await Promise.all(searchers);
            await untilLagIsZero(shop);
        } finally {
            changing = false;
            searching = false;
            await Promise.allSettled([changes, ...searchers]);
        }
        expect(statuses.filter((s) => s !== 200)).toEqual([]);
        expect(await metric(shop, "shop_search_fallbacks_total")).toBeGreaterThan(0);
        expect(shop.output()).toMatch(/OpenSearch failed; answering from PostgreSQL/);
    }, 420_000);

    it("rebuilds the index for a new mapping behind the alias while searches run, none failing", async () => {
        const shop = shops[1];
        const answers: { status: number; total?: number; engine?: string }[] = [];
        let searching = true;
        const searchers = Array.from({ length: 3 }, async () => {
            const c = new ShopClient(shop.url);
            while (searching) {
                const answer = await c.request("GET", "/api/search?q=walnut").catch(() => ({ status: 0, data: {} as { total?: number; engine?: string } }));
                answers.push({ status: answer.status, total: answer.data.total, engine: answer.data.engine });
            }
        });
        const client = openSearchClient(os.url, undefined, 30_000);
        const database = postgresDatabase({ url: databaseUrl });
        try {
            const before = Object.keys((await client.indices.getAlias({ name: productsAlias })).body);
            const next = { ...productMapping, version: productMapping.version + 1, properties: { ...productMapping.properties, stock: { type: "long" } } };
            expect(await ensureProductIndex(client, database, quiet, next)).toBe(true);
            const after = Object.keys((await client.indices.getAlias({ name: productsAlias })).body);
            expect(after).toHaveLength(1);
            expect(after[0]).not.toBe(before[0]);
            const mapping = (await client.indices.getMapping({ index: after[0] })).body as Record<string, { mappings: { _meta: { mappingVersion: number } } }>;
            expect(mapping[after[0]].mappings._meta.mappingVersion).toBe(productMapping.version + 1);
            // Built already: a second instance starting with this mapping changes nothing.
            expect(await ensureProductIndex(client, database, quiet, next)).toBe(false);
            await new Promise((resolve) => setTimeout(resolve, 1000));
        } finally {
            searching = false;
            await Promise.all(searchers);
            await client.close();
            await database.close();
        }
        expect(answers.length).toBeGreaterThan(10);
        expect(answers.filter((a) => a.status !== 200 || a.total !== 85)).toEqual([]);
        expect(answers.filter((a) => a.engine === "opensearch").length).toBeGreaterThan(answers.length / 2);
    }, 180_000);
});
