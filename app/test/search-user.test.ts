/**
 * The search domain's application user on a real security plugin (OpenSearch 2.19.4 with
 * opensearch-security 2.19.4.0, tools/servers/opensearch-security.ts): the migration entry makes
 * `shop_search` through the security API as the master user, the shop then builds its index and
 * searches signed in as `shop_search`, and the plugin refuses that user every other index and the
 * security API.
 */
import { runMigrate } from "./support/migrate-process";
import { untilEngine } from "./support/search";
import { RunningShop, ShopClient, startShop } from "./support/shop";
import { productsAlias } from "../src/modules/search/product-index";
import { OpenSearchServer, startOpenSearch } from "../../tools/servers/opensearch";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";

const searchPassword = "search-role-password-1";

describe("the search domain's application user", () => {
    let postgres: PostgresServer;
    let opensearch: OpenSearchServer;
    let databaseUrl: string;
    let shop: RunningShop | undefined;

    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    /** A request to the node as `user`: its status and body. */
    const asUser = async (authorization: string, method: string, path: string, body?: unknown) => {
        const answer = await fetch(`${opensearch.url}${path}`, {
            method,
            headers: { authorization, "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: answer.status, body: await answer.text() };
    };
    const asMaster = (method: string, path: string, body?: unknown) => asUser(basic(opensearch.master!.user, opensearch.master!.password), method, path, body);
    const asShop = (method: string, path: string, body?: unknown) => asUser(basic("shop_search", searchPassword), method, path, body);

    beforeAll(async () => {
        [postgres, opensearch] = await Promise.all([startPostgres(), startOpenSearch({ security: true })]);
        databaseUrl = await postgres.createDatabase("shop");
    }, 300_000);
    afterAll(async () => {
        await shop?.close();
        await Promise.all([postgres?.stop(), opensearch?.stop()]);
    });

    it("is made by the migration entry with the master user, again without harm", async () => {
        // Without a user the node answers nothing: the plugin is on.
        expect((await fetch(`${opensearch.url}/_cluster/health`)).status).toBe(401);
        const env = {
            SHOP_DATABASE_URL: databaseUrl,
            SHOP_SEARCH_URL: `http://${opensearch.master!.user}@127.0.0.1:${opensearch.port}`,
            SHOP_SEARCH_PASSWORD: opensearch.master!.password,
            SHOP_ROLE_PASSWORD_SEARCH: searchPassword,
        };
        for (const run of [await runMigrate(env), await runMigrate(env)]) {
            expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
            expect(JSON.parse(run.stdout)).toMatchObject({ roles: ["shop_search"], search: true });
        }
        const account = await asShop("GET", "/_plugins/_security/api/account");
        expect(account.status).toBe(200);
        expect(JSON.parse(account.body)).toMatchObject({ user_name: "shop_search", roles: ["shop_search"] });
        expect((await asUser(basic("shop_search", "not-the-password"), "GET", "/_cluster/health")).status).toBe(401);
    }, 120_000);

    it("builds the shop's index and searches it, signed in as shop_search", async () => {
        shop = await startShop({
            SHOP_DATABASE_URL: databaseUrl,
            SHOP_SEARCH_URL: `http://shop_search@127.0.0.1:${opensearch.port}`,
            SHOP_SEARCH_PASSWORD: searchPassword,
        });
        await untilEngine(shop.url, "opensearch");
        const found = await new ShopClient(shop.url).request("GET", "/api/search?q=walnut");
        expect(found.status).toBe(200);
        expect(found.data.engine).toBe("opensearch");
        expect(found.data.total).toBeGreaterThan(0);
        // The index the shop built is behind its alias, and the user reads it directly too.
        const direct = await asShop("POST", `/${productsAlias}/_search`, { query: { match: { name: "walnut" } } });
        expect(direct.status).toBe(200);
        expect(JSON.parse(direct.body).hits.total.value).toBe(found.data.total);
    }, 180_000);

    it("is refused every other index and the security API", async () => {
        expect((await asMaster("PUT", "/shop-audit", {})).status).toBe(200);
        expect((await asMaster("PUT", "/shop-audit/_doc/1?refresh=true", { note: "not the shop's" })).status).toBe(201);
        const refusals = {
            readAnother: (await asShop("POST", "/shop-audit/_search", {})).status,
            writeAnother: (await asShop("PUT", "/shop-audit/_doc/2", { note: "from the shop" })).status,
            makeAnother: (await asShop("PUT", "/orders-copy", {})).status,
            readAll: (await asShop("POST", "/_all/_search", {})).status,
            listUsers: (await asShop("GET", "/_plugins/_security/api/internalusers")).status,
            widenOwnRole: (
                await asShop("PUT", "/_plugins/_security/api/roles/shop_search", {
                    index_permissions: [{ index_patterns: ["*"], allowed_actions: ["indices_all"] }],
                })
            ).status,
        };
        expect(refusals).toEqual({ readAnother: 403, writeAnother: 403, makeAnother: 403, readAll: 403, listUsers: 403, widenOwnRole: 403 });
        // The master user still sees the other index as it was.
        expect(JSON.parse((await asMaster("POST", "/shop-audit/_search", {})).body).hits.total.value).toBe(1);
    }, 60_000);
});
