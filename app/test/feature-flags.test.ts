/**
 * Feature flags switch a misbehaving feature off in seconds, without a restart: read from an SSM
 * parameter (moto's server, through the AWS SDK, as the stacks' `/shop-evolution/<stack>/flags`)
 * or a local file, their state in /metrics, pages degrading with a short notice.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Writable } from "node:stream";
import { readConfig, ShopConfigError } from "../src/config";
import { defaultFlagsRefreshMs, FeatureFlags, parseFlags } from "../src/flags/feature-flags";
import { PostgresServer, startPostgres } from "../../tools/servers/postgres";
import { RedisServer, startRedis } from "../../tools/servers/redis";
import { RunningShop, ShopClient, startShop } from "./support/shop";
import { ShopProcess, startShopProcess } from "../../tools/servers/shop-process";
import { SsmServer, startSsm } from "./support/ssm";

/** A gauge's or counter's value in a /metrics text; undefined when absent. */
function metric(text: string, name: string, labels = ""): number | undefined {
    const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
    return line === undefined ? undefined : Number(line.split(" ").pop());
}

/** The shops here read their flags every second (SHOP_FLAGS_REFRESH_SECONDS), not every five: the same code, less waiting. */
const refresh = { SHOP_FLAGS_REFRESH_SECONDS: "1" };
const flagsRefreshMs = Number(refresh.SHOP_FLAGS_REFRESH_SECONDS) * 1000;

/** Polls `check` until it holds; the deadline is generous (many refreshes), not a timing claim. */
async function within(check: () => Promise<boolean>, what: string, timeoutMs = 20 * flagsRefreshMs): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; !(await check());) {
        if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

describe("the flags document and the contract", () => {
    it("takes a JSON object of known flags, ignores (and names) unknown names and non-boolean values, refuses anything else", () => {
        expect(parseFlags('{"reviews": false, "signups": true}')).toEqual({ flags: { reviews: false, signups: true }, problems: [] });
        expect(parseFlags('{"review": false, "search": "off"}').problems).toEqual([
            'unknown flag "review" (known: opensearch, reviews, cacheLevel2, signups)',
            'unknown flag "search" (known: opensearch, reviews, cacheLevel2, signups)',
        ]);
        expect(parseFlags('{"reviews": "off"}')).toEqual({ flags: {}, problems: ['reviews: expected true or false (got "off")'] });
        expect(() => parseFlags("[]")).toThrow("expected a JSON object of flags");
        expect(() => parseFlags("{reviews: false}")).toThrow("not JSON");
    });

    it("reads SHOP_FLAGS_PARAMETER with its region, or SHOP_FLAGS_FILE, and names every problem", () => {
        expect(readConfig({ SHOP_FLAGS_PARAMETER: "/shop-evolution/prod/flags", SHOP_REGION: "eu-west-1" }).flags).toEqual({
            parameter: "/shop-evolution/prod/flags",
            region: "eu-west-1",
        });
        expect(readConfig({ SHOP_FLAGS_FILE: "/etc/shop-flags.json" }).flags).toEqual({ file: "/etc/shop-flags.json" });
        expect(readConfig({}).flags).toBeUndefined();
        let error: ShopConfigError | undefined;
        try {
            readConfig({ SHOP_FLAGS_PARAMETER: "flags with spaces", SHOP_FLAGS_FILE: "/tmp/f.json" });
        } catch (err) {
            error = err as ShopConfigError;
        }
        expect(error?.problems).toEqual([
            'SHOP_FLAGS_PARAMETER: expected an SSM parameter name such as /shop-evolution/prod/flags (got "flags with spaces")',
            "SHOP_FLAGS_FILE: give SHOP_FLAGS_PARAMETER or SHOP_FLAGS_FILE, not both",
            "SHOP_FLAGS_PARAMETER: needs the parameter's region in AWS_REGION or SHOP_REGION",
        ]);
    });

    it("reads the flags again every 5 seconds, or every SHOP_FLAGS_REFRESH_SECONDS (1-3600), and names a bad value", () => {
        expect(readConfig({}).flagsRefreshMs).toBe(defaultFlagsRefreshMs);
        expect(defaultFlagsRefreshMs).toBe(5_000);
        expect(readConfig({ SHOP_FLAGS_REFRESH_SECONDS: "30" }).flagsRefreshMs).toBe(30_000);
        for (const bad of ["0", "1.5", "-1", "3601", "5s"]) {
            let error: ShopConfigError | undefined;
            try {
                readConfig({ SHOP_FLAGS_REFRESH_SECONDS: bad });
            } catch (err) {
                error = err as ShopConfigError;
            }
            expect(error?.problems).toEqual([`SHOP_FLAGS_REFRESH_SECONDS: expected a whole number of seconds 1-3600 (got ${JSON.stringify(bad)})`]);
        }
    });
});

describe("flags in the SSM parameter, flipped under a running shop process", () => {
    const parameter = "/shop-evolution/test/flags";
    let postgres: PostgresServer;
    let redis: RedisServer;
    let ssm: SsmServer;
    let shop: ShopProcess;
    const metrics = async () => (await fetch(shop.metricsUrl)).text();

    beforeAll(async () => {
        [postgres, redis, ssm] = await Promise.all([startPostgres(), startRedis(), startSsm()]);
        await ssm.put(parameter, "{}");
        shop = await startShopProcess({
            ...ssm.env,
            SHOP_DATABASE_URL: await postgres.createDatabase("shop"),
            SHOP_REDIS_URL: redis.url,
            SHOP_FLAGS_PARAMETER: parameter,
            ...refresh,
            SHOP_LOG_LEVEL: "info",
            // OpenSearch configured but never there: each search falls back to PostgreSQL, and says why.
            SHOP_SEARCH_URL: "http://127.0.0.1:9",
        });
    }, 180_000);
    afterAll(async () => {
        await shop?.stop();
        await Promise.all([ssm?.stop(), redis?.stop(), postgres?.stop()]);
    });

    it("starts with every feature on, each flag's state in /metrics", async () => {
        const text = await metrics();
        for (const feature of ["opensearch", "reviews", "cacheLevel2", "signups"]) expect(metric(text, "shop_feature_enabled", `feature="${feature}"`)).toBe(1);
        expect(metric(text, "shop_feature_flags_source_up")).toBe(1);
        const product = await new ShopClient(shop.url).request("GET", "/products/1");
        expect(product.data).toContain("to write a review");
        expect(product.data).not.toContain("Reviews are switched off");
        expect((await new ShopClient(shop.url).request("GET", "/api/products/1/comments")).status).toBe(200);
    });

    it("switches reviews, sign-ups, OpenSearch and the Redis level off within the refresh interval, in the same process, and on again", async () => {
        const pid = shop.child.pid;
        await ssm.put(parameter, JSON.stringify({ reviews: false, signups: false, opensearch: false, cacheLevel2: false }));
        await within(async () => metric(await metrics(), "shop_feature_enabled", 'feature="reviews"') === 0, "reviews off in /metrics");
        const text = await metrics();
        for (const feature of ["opensearch", "cacheLevel2", "signups"]) expect(metric(text, "shop_feature_enabled", `feature="${feature}"`)).toBe(0);

        const client = new ShopClient(shop.url);
        // Reviews: a short notice where they were, no form, the API says why; the home page leaves the section out.
        const product = await client.request("GET", "/products/1");
        expect(product.status).toBe(200);
        expect(product.data).toContain("Reviews are switched off for the moment; they will be back shortly.");
        expect(product.data).not.toContain('action="/products/1/comments"');
        expect(await client.request("GET", "/api/products/1/comments")).toMatchObject({
            status: 503,
            data: { error: "Reviews are switched off for the moment; they will be back shortly." },
        });
        expect((await client.request("GET", "/")).data).not.toContain("What customers say");
        // Sign-ups: no link leads to a form that cannot work; the register page says so and offers sign-in.
        const home = (await client.request("GET", "/")).data as string;
        expect(home).toContain('href="/login"');
        expect(home).not.toContain('href="/register"');
        expect((await client.request("GET", "/login")).data).not.toContain("/register");
        const register = await client.request("GET", "/register");
        expect(register.data).toContain("New accounts are paused for the moment; if you have one, you can sign in.");
        expect(register.data).not.toContain('action="/register"');
        await client.request("GET", "/api/session").then((s) => (client.csrfToken = s.data.csrfToken));
        expect((await client.request("POST", "/api/users", { json: { email: "new@example.com", name: "New", password: "a-long-password" } })).status).toBe(503);
        // OpenSearch off: PostgreSQL answers, counted under its own reason.
        const found = await client.request("GET", "/api/search?q=kettle");
        expect(found).toMatchObject({ status: 200, data: { engine: "postgres" } });
        expect(metric(await metrics(), "shop_search_fallbacks_total", 'reason="switched-off"')).toBeGreaterThanOrEqual(1);
        // The Redis level off: new look-ups leave Redis alone.
        const level2 = async () => {
            const t = await metrics();
            return (
                (metric(t, "shop_cache_requests_total", 'level="2",result="hit"') ?? 0) +
                (metric(t, "shop_cache_requests_total", 'level="2",result="miss"') ?? 0)
            );
        };
        const before = await level2();
        for (let id = 2; id <= 30; id++) await client.request("GET", `/api/products/${id}`);
        expect(await level2()).toBe(before);

        await ssm.put(parameter, "{}");
        await within(async () => metric(await metrics(), "shop_feature_enabled", 'feature="reviews"') === 1, "reviews on again in /metrics");
        expect((await client.request("GET", "/products/1")).data).toContain("to write a review");
        expect((await client.request("GET", "/register")).data).toContain('action="/register"');
        for (let id = 31; id <= 40; id++) await client.request("GET", `/api/products/${id}`);
        expect(await level2()).toBeGreaterThan(before);
        expect(shop.child.pid).toBe(pid);
        expect(shop.child.exitCode).toBeNull();
    }, 120_000);

    it("keeps the state last read while the parameter cannot be read, logged once, not per read", async () => {
        await ssm.put(parameter, JSON.stringify({ reviews: false }));
        await within(async () => metric(await metrics(), "shop_feature_enabled", 'feature="reviews"') === 0, "reviews off");
        await ssm.stop();
        await within(async () => metric(await metrics(), "shop_feature_flags_source_up") === 0, "the source reported down");
        // Five more refreshes against a source still down.
        await new Promise((resolve) => setTimeout(resolve, 5 * flagsRefreshMs));
        expect(metric(await metrics(), "shop_feature_enabled", 'feature="reviews"')).toBe(0);
        expect((await new ShopClient(shop.url).request("GET", "/products/1")).status).toBe(200);
        expect(shop.output().match(/feature flags: source unreadable/g)).toHaveLength(1);
        expect(shop.output()).toContain("keeping the state last read");
    }, 120_000);
});

describe("flags in a local file (the embedded default's source), and a source never read", () => {
    let postgres: PostgresServer;
    let shop: RunningShop;
    /** The interval each FeatureFlags of this shop was started with. */
    let startedEvery: unknown[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-flags-"));
    const file = path.join(dir, "flags.json");

    beforeAll(async () => {
        postgres = await startPostgres();
        fs.writeFileSync(file, JSON.stringify({ signups: false }));
        const start = jest.spyOn(FeatureFlags.prototype, "start");
        try {
            shop = await startShop({ SHOP_DATABASE_URL: await postgres.createDatabase("shop"), SHOP_FLAGS_FILE: file, ...refresh });
            startedEvery = start.mock.calls.map(([everyMs]) => everyMs);
        } finally {
            start.mockRestore();
        }
    }, 120_000);
    afterAll(async () => {
        await shop?.close();
        await postgres?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reads the file at start and again after an edit, with no restart", async () => {
        expect(startedEvery).toEqual([flagsRefreshMs]);
        const client = new ShopClient(shop.url);
        expect((await client.request("GET", "/register")).data).toContain("New accounts are paused");
        fs.writeFileSync(file, JSON.stringify({ signups: true }));
        await within(async () => ((await client.request("GET", "/register")).data as string).includes('action="/register"'), "the register form back");
    }, 60_000);

    it("starts with every feature on when the source cannot be read at all", async () => {
        const lines: string[] = [];
        const log = new Writable({
            write(chunk: Buffer, _encoding, done) {
                lines.push(chunk.toString());
                done();
            },
        });
        const other = await startShop(
            { SHOP_DATABASE_URL: await postgres.createDatabase("other"), SHOP_FLAGS_FILE: path.join(dir, "missing.json"), SHOP_LOG_LEVEL: "warn" },
            { logStream: log },
        );
        try {
            expect(other.app.flags.states).toEqual({ opensearch: true, reviews: true, cacheLevel2: true, signups: true });
            const text = await (await fetch(other.metricsUrl)).text();
            expect(metric(text, "shop_feature_flags_source_up")).toBe(0);
            expect(lines.join("")).toContain("every feature on (the shop's normal state) until it can be read");
        } finally {
            await other.close();
        }
    }, 60_000);
});
