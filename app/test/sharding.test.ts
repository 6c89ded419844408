/**
 * Stage 7 for real: comments spread over three PostgreSQL databases by a stable hash of the
 * product id. A product's comments live on one shard and stay there across restarts; counts
 * over the shards add up; the latest comments are gathered from all of them.
 */
import { shardOf } from "../src/db/shard";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RunningShop, ShopClient, startShop } from "./support/shop";

describe("comments on three shards", () => {
    let server: PostgresServer;
    let env: Record<string, string>;
    let shop: RunningShop;
    const shardNames = ["comments_0", "comments_1", "comments_2"];
    const count = (database: string, where = "true") => Number(server.psql(database, `SELECT count(*) FROM comments WHERE ${where}`).trim());

    beforeAll(async () => {
        server = await startPostgres();
        const main = await server.createDatabase("shop");
        // The shards share one credential of their own, as the stage's shard clusters do.
        const shards = await Promise.all(shardNames.map((name) => server.createDatabase(name, { user: `${name}_owner`, password: "shard-secret" })));
        env = { SHOP_DATABASE_URL: main, SHOP_COMMENT_SHARD_URLS: shards.join(","), SHOP_COMMENT_SHARD_PASSWORD: "shard-secret" };
        shop = await startShop(env);
    }, 60_000);
    afterAll(async () => {
        await shop?.close();
        await server?.stop();
    });

    it("spreads the seeded comments over every shard, each product's on its own shard only", () => {
        const counts = shardNames.map((name) => count(name));
        expect(counts.reduce((a, b) => a + b, 0)).toBe(400);
        expect(counts.every((n) => n > 60)).toBe(true);
        expect(server.psql("shop", "SELECT to_regclass('comments') IS NULL").trim()).toBe("t"); // none left in the main database
        for (const [index, name] of shardNames.entries()) {
            const products = server.psql(name, "SELECT DISTINCT product_id FROM comments").trim().split("\n").map(Number);
            expect(products.filter((id) => shardOf(id, 3) !== index)).toEqual([]);
        }
    });

    it("keeps a product's comments on its shard across a restart, and gathers the latest from all shards", async () => {
        const reviewer = await new ShopClient(shop.url).open();
        await reviewer.register("sharded@example.com", "Shard Reviewer");
        const products = [101, 102, 103, 104, 105, 106];
        for (const productId of products) {
            const added = await reviewer.request("POST", `/api/products/${productId}/comments`, { json: { rating: 4, body: `Review of ${productId}` } });
            expect(added.status).toBe(201);
            expect(count(shardNames[shardOf(productId, 3)], `body = 'Review of ${productId}'`)).toBe(1);
        }
        expect(new Set(products.map((id) => shardOf(id, 3))).size).toBeGreaterThan(1);

        await shop.close();
        shop = await startShop(env);
        const reader = await new ShopClient(shop.url).open();
        for (const productId of products) {
            const { data } = await reader.request("GET", `/api/products/${productId}/comments`);
            expect(data.items.map((c: { body: string }) => c.body)).toContain(`Review of ${productId}`);
            expect(data.count).toBe(count(shardNames[shardOf(productId, 3)], `product_id = ${productId}`));
        }
        // No second seed after the restart: the counts add up to the seed and the six reviews.
        expect(shardNames.map((name) => count(name)).reduce((a, b) => a + b, 0)).toBe(406);
        const latest = (await reader.request("GET", "/api/comments/latest")).data as { body: string }[];
        expect(
            latest
                .slice(0, 6)
                .map((c) => c.body)
                .sort(),
        ).toEqual(products.map((id) => `Review of ${id}`).sort());
    });
});
