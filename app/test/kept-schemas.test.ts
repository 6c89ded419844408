/**
 * The routes' compiled schemas kept between starts (src/http/kept-schemas.ts): a shop that loads
 * them answers every input as one whose schemas Fastify's own compilers compiled, runs only a
 * kept file that is this user's own and that nobody else may write, and compiles anew what a
 * change makes different.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Fastify from "fastify";
import { keptSchemaCompilers } from "../src/http/kept-schemas";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RunningShop, ShopClient, startShop } from "./support/shop";

/** Inputs good and bad, for the validators, and reads, for the serializers. */
const requests: [string, string, { json?: unknown; headers?: Record<string, string> }][] = [
    ["POST", "/api/users", { json: { email: "not-an-email", name: "Ann", password: "correct horse battery" } }],
    ["POST", "/api/users", { json: { email: "ann@example.com", name: "Nul\u0000Name", password: "correct horse battery" } }],
    ["POST", "/api/users", { json: { email: 5, name: "Ann", password: "correct horse battery" } }],
    ["POST", "/api/users", { json: {} }],
    ["POST", "/api/checkout", {}],
    ["POST", "/api/checkout", { headers: { "idempotency-key": "not a key!" } }],
    ["POST", "/api/cart/items", { json: { productId: "3", quantity: 1 } }],
    ["POST", "/api/cart/items", { json: { productId: 3, quantity: 1 } }],
    ["GET", "/api/cart", {}],
    ["GET", "/api/products/abc", {}],
    ["GET", "/api/products/1", {}],
    ["GET", "/api/products/999999", {}],
    ["GET", "/api/products?category=1", {}],
    ["GET", "/api/categories", {}],
    ["GET", "/api/search?q=a%00b", {}],
];

async function answers(url: string): Promise<unknown[]> {
    const client = await new ShopClient(url).open();
    const all = [];
    for (const [method, route, options] of requests) {
        const response = await client.request(method, route, options);
        all.push([method, route, response.status, response.data]);
    }
    return all;
}

function keptFiles(dir: string): Record<string, number> {
    return Object.fromEntries(fs.readdirSync(dir).map((name) => [name, fs.statSync(path.join(dir, name)).mtimeMs]));
}

/** The kept validator of the sign-up's body (the only schema with both `name` and `password`). */
function signUpValidator(dir: string): string {
    const [file] = fs
        .readdirSync(dir)
        .filter((name) => name.startsWith("validator-"))
        .filter((name) => /"password"/.test(fs.readFileSync(path.join(dir, name), "utf8")) && /"name"/.test(fs.readFileSync(path.join(dir, name), "utf8")));
    return path.join(dir, file);
}

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "shop-kept-schemas-"));

describe("the routes' compiled schemas, kept between starts", () => {
    let server: PostgresServer;
    let database: string;
    const shops: RunningShop[] = [];
    const start = async (dir: string) => {
        const shop = await startShop({ SHOP_DATABASE_URL: database, SHOP_COMPILED_SCHEMAS_DIR: dir });
        shops.push(shop);
        return shop;
    };

    beforeAll(async () => {
        server = await startPostgres();
        database = await server.createDatabase("shop");
    });
    afterAll(async () => {
        for (const shop of shops) await shop.close();
        await server?.stop();
    });

    it("are loaded by a later start, which compiles nothing and answers every input as Fastify's own compilers do", async () => {
        const dir = tempDir();
        const compiledByFastify = await start("");
        const first = await start(dir);
        const kept = keptFiles(dir);
        expect(Object.keys(kept).filter((name) => name.startsWith("validator-")).length).toBeGreaterThan(5);
        expect(Object.keys(kept).filter((name) => name.startsWith("serializer-")).length).toBeGreaterThan(5);
        const second = await start(dir);
        expect(keptFiles(dir)).toEqual(kept);

        const expected = await answers(compiledByFastify.url);
        expect(await answers(first.url)).toEqual(expected);
        expect(await answers(second.url)).toEqual(expected);
        // The inputs were refused for what they are, each naming its field.
        expect(expected.map((answer) => (answer as [string, string, number])[2])).toEqual([
            400, 400, 400, 400, 400, 400, 400, 200, 200, 400, 200, 404, 200, 200, 400,
        ]);
        for (const file of Object.keys(kept)) expect(fs.statSync(path.join(dir, file)).mode & 0o777).toBe(0o600);
    });

    it("run only a file that is this user's own and nobody else may write; one that does not load is compiled anew", async () => {
        const dir = tempDir();
        await start(dir);
        const file = signUpValidator(dir);
        const original = fs.readFileSync(file, "utf8");
        // A validator that refuses every sign-up, planted in its place: a start that runs it says so.
        const planted =
            'module.exports = function v() { v.errors = [{ instancePath: "/name", keyword: "text", params: {}, message: "planted" }]; return false; };';
        let signUps = 0;
        const signUp = async (shop: RunningShop) => {
            const client = await new ShopClient(shop.url).open();
            return client.request("POST", "/api/users", { json: { email: `ann${++signUps}@example.com`, name: "Ann", password: "correct horse battery" } });
        };

        fs.writeFileSync(file, planted, { mode: 0o600 });
        expect((await signUp(await start(dir))).data).toEqual({ error: "name planted" });

        fs.chmodSync(file, 0o666);
        expect((await signUp(await start(dir))).status).toBe(201);
        expect(fs.readFileSync(file, "utf8")).toBe(original);
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);

        fs.writeFileSync(file, "module.exports = function (", { mode: 0o600 });
        expect((await signUp(await start(dir))).status).toBe(201);
        expect(fs.readFileSync(file, "utf8")).toBe(original);
    });

    it("are compiled anew when what the caller says they are made from changes (a custom keyword's rules)", async () => {
        const dir = tempDir();
        const filesWith = async (madeFrom: unknown) => {
            const app = Fastify({ schemaController: { compilersFactory: keptSchemaCompilers(dir, madeFrom) } });
            app.post("/", { schema: { body: { type: "object", properties: { name: { type: "string" } } } } }, async () => ({}));
            await app.ready();
            await app.close();
            return fs.readdirSync(dir).sort();
        };
        const first = await filesWith({ rule: /[a-y]/ });
        expect(first).toHaveLength(1);
        expect(await filesWith({ rule: /[a-y]/ })).toEqual(first);
        expect(await filesWith({ rule: /[a-z]/ })).toHaveLength(2);
    });

    it("refuse a headers schema that names a header otherwise than in lower case, as headers arrive", async () => {
        const app = Fastify({ schemaController: { compilersFactory: keptSchemaCompilers(tempDir(), {}) } });
        app.post(
            "/",
            { schema: { headers: { type: "object", properties: { "Idempotency-Key": { type: "string" } }, required: ["Idempotency-Key"] } } },
            async () => ({}),
        );
        await expect(app.ready()).rejects.toThrow("a headers schema names headers in lower case, as they arrive (got Idempotency-Key, Idempotency-Key)");
    });
});
