/**
 * Stage 5 for real: the shop on a PostgreSQL primary with a real streaming replica
 * (pg_basebackup -R). Replay is paused on the replica (pg_wal_replay_pause) to make real
 * lag: a visitor who wrote still reads their write, a stranger reads the replica's older
 * state (so reads really go there), and when the replica stops, reads go to the writer.
 */
import { ReplicatedDatabase } from "../src/db/replicated-database";
import { PostgresServer, ReplicaServer, startPostgres, startReplica } from "../../tools/servers/postgres";
import { RunningShop, ShopClient, startShop } from "./support/shop";

describe("reads on a streaming replica", () => {
    let primary: PostgresServer;
    let replica: ReplicaServer;
    let shop: RunningShop;
    let database: ReplicatedDatabase;

    const until = async (condition: () => boolean | Promise<boolean>, what: string) => {
        for (const deadline = Date.now() + 15_000; !(await condition());) {
            if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    };
    const commentsOf = async (client: ShopClient, productId: number) =>
        ((await client.request("GET", `/api/products/${productId}/comments`)).data.items as { body: string }[]).map((c) => c.body);

    beforeAll(async () => {
        primary = await startPostgres();
        const url = await primary.createDatabase("shop");
        replica = await startReplica(primary);
        shop = await startShop({ SHOP_DATABASE_URL: url, SHOP_DATABASE_READER_URLS: replica.url("shop") });
        database = shop.stores.commentShards[0] as ReplicatedDatabase;
        expect(database.kind).toBe("replicated");
        await until(() => replica.psql("shop", "SELECT count(*) FROM products").trim() === "1008", "the replica has the seeded catalog");
    }, 120_000);
    afterAll(async () => {
        await shop?.close();
        await replica?.stop();
        await primary?.stop();
    });

    it("sends reads to the replica", async () => {
        const before = { ...database.servedBy };
        const stranger = await new ShopClient(shop.url).open();
        expect((await stranger.request("GET", "/api/products/3/comments")).status).toBe(200);
        expect((await stranger.request("GET", "/api/search?q=kettle")).status).toBe(200);
        expect(database.servedBy.readers).toBeGreaterThan(before.readers);
        expect(database.servedBy.writer).toBe(before.writer);
    });

    it("lets a visitor read their own write while the replica lags, and a stranger see it once the replica catches up", async () => {
        replica.psql("shop", "SELECT pg_wal_replay_pause();");
        try {
            const writer = await new ShopClient(shop.url).open();
            await writer.register("reviewer@example.com", "Reviewer");
            const posted = await writer.request("POST", "/api/products/7/comments", { json: { rating: 5, body: "Written while the replica lags." } });
            expect(posted.status).toBe(201);
            expect(posted.headers.getSetCookie().some((c) => c.startsWith("shop_wal="))).toBe(true);

            // Its author reads it at once: the replica is behind their write, so the writer answers.
            expect(await commentsOf(writer, 7)).toContain("Written while the replica lags.");
            // A stranger is served by the paused replica, which has not replayed it: proof that reads go there.
            const stranger = await new ShopClient(shop.url).open();
            expect(await commentsOf(stranger, 7)).not.toContain("Written while the replica lags.");
            expect(primary.psql("shop", "SELECT count(*) FROM comments WHERE body = 'Written while the replica lags.'").trim()).toBe("1");
        } finally {
            replica.psql("shop", "SELECT pg_wal_replay_resume();");
        }
        const stranger = await new ShopClient(shop.url).open();
        await until(async () => (await commentsOf(stranger, 7)).includes("Written while the replica lags."), "the stranger sees the comment");
    });

    it("reads from the writer when the replica is down", async () => {
        await replica.kill();
        const visitor = await new ShopClient(shop.url).open();
        for (let i = 0; i < 10; i++) {
            const response = await visitor.request("GET", `/api/products/${7 + (i % 3)}/comments`);
            expect(response.status).toBe(200);
        }
        expect(await commentsOf(visitor, 7)).toContain("Written while the replica lags.");
        const before = database.servedBy.writer;
        await commentsOf(visitor, 8);
        expect(database.servedBy.writer).toBe(before + 2);
    });
});
