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

/** The kept validator of the sign-up API's body: a name, a password and a CSRF field, but not the page form's `next`. */
function signUpValidator(dir: string): string {
    const files = fs
        .readdirSync(dir)
        .filter((name) => name.startsWith("validator-"))
        .filter((name) => {
            const code = fs.readFileSync(path.join(dir, name), "utf8");
            return ['"name"', '"password"', '"_csrf"'].every((field) => code.includes(field)) && !code.includes('"next"');
        });
    expect(files).toHaveLength(1);
    return path.join(dir, files[0]);
}

const tempDirs: string[] = [];
const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-kept-schemas-"));
    tempDirs.push(dir);
    return dir;
};
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

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

    it("run only a whole file that is this user's own, in a directory of this user's own, that nobody else may write; any other is compiled anew", async () => {
        const dir = tempDir();
        await start(dir);
        const file = signUpValidator(dir);
        const original = fs.readFileSync(file, "utf8");
        const [head, tail] = [original.slice(0, original.indexOf("\n") + 1), original.slice(original.lastIndexOf("\n", original.length - 2))];
        let signUps = 0;
        const signUp = async () => {
            const client = await new ShopClient((await start(dir)).url).open();
            return client.request("POST", "/api/users", { json: { email: `ann${++signUps}@example.com`, name: "Ann", password: "correct horse battery" } });
        };
        /** The route checks sign-ups again, and its validator is kept anew in place of what was there. */
        const compiledAnew = async () => {
            const there = fs.readFileSync(file, "utf8");
            expect((await signUp()).status).toBe(201);
            const kept = fs.readFileSync(file, "utf8");
            expect([kept !== there, kept.startsWith(head), kept.endsWith(tail), kept.includes('"password"')]).toEqual([true, true, true, true]);
            expect(fs.lstatSync(file).isFile()).toBe(true);
            expect(fs.lstatSync(file).mode & 0o777).toBe(0o600);
        };
        // A validator that refuses every sign-up, whole and planted in its place: a start that runs it says so.
        const planted = `${head}module.exports = function v() { v.errors = [{ instancePath: "/name", keyword: "text", params: {}, message: "planted" }]; return false; };${tail}`;
        fs.writeFileSync(file, planted, { mode: 0o600 });
        expect((await signUp()).data).toEqual({ error: "name planted" });

        fs.chmodSync(file, 0o666);
        await compiledAnew();

        fs.writeFileSync(file, planted, { mode: 0o600 });
        fs.chmodSync(dir, 0o777);
        try {
            await compiledAnew();
        } finally {
            fs.chmodSync(dir, 0o700);
        }

        const elsewhere = path.join(tempDir(), "planted.js");
        fs.writeFileSync(elsewhere, planted, { mode: 0o600 });
        fs.rmSync(file);
        fs.symlinkSync(elsewhere, file);
        await compiledAnew();

        // Another route's validator, kept whole, renamed over it (by someone who could write the directory).
        const other = fs.readdirSync(dir).find((name) => name.startsWith("validator-") && path.join(dir, name) !== file)!;
        fs.copyFileSync(path.join(dir, other), file);
        await compiledAnew();

        // Torn, empty, or whole but exporting no function: each would leave the route unchecked.
        for (const damaged of [original.slice(0, original.length / 2), "", `${head}module.exports = 1;${tail}`, `${head}${tail}`]) {
            fs.writeFileSync(file, damaged, { mode: 0o600 });
            await compiledAnew();
        }
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

    it("are compiled anew when the options or the shared schemas change", async () => {
        const dir = tempDir();
        const filesWith = async (options: { coerce: boolean; shared?: object }) => {
            const app = Fastify({
                ajv: { customOptions: { coerceTypes: options.coerce } },
                schemaController: { compilersFactory: keptSchemaCompilers(dir, {}) },
            });
            if (options.shared) app.addSchema(options.shared);
            app.get("/:id", { schema: { params: { type: "object", properties: { id: { type: "integer" } } } } }, async () => ({}));
            await app.ready();
            await app.close();
            return fs.readdirSync(dir).length;
        };
        expect(await filesWith({ coerce: false })).toBe(1);
        expect(await filesWith({ coerce: false })).toBe(1);
        expect(await filesWith({ coerce: true })).toBe(2);
        expect(await filesWith({ coerce: true, shared: { $id: "other", type: "string" } })).toBe(3);
    });

    it("refuse a headers schema that names a header otherwise than in lower case, as headers arrive", async () => {
        const app = Fastify({ schemaController: { compilersFactory: keptSchemaCompilers(tempDir(), {}) } });
        app.post(
            "/",
            { schema: { headers: { type: "object", properties: { "Idempotency-Key": { type: "string" } }, required: ["Idempotency-Key"] } } },
            async () => ({}),
        );
        await expect(app.ready()).rejects.toThrow("a headers schema names headers in lower case, as they arrive (got Idempotency-Key)");
        // Anywhere Fastify's own compilers would lower it.
        const nested = Fastify({ schemaController: { compilersFactory: keptSchemaCompilers(tempDir(), {}) } });
        nested.post("/", { schema: { headers: { type: "object", anyOf: [{ required: ["X-Api-Key"] }, { required: ["authorization"] }] } } }, async () => ({}));
        await expect(nested.ready()).rejects.toThrow("(got X-Api-Key)");
    });
});
