/** The environment contract of docs/contracts.md, read once at start. */
import { readConfig, readMigrateConfig, readSecretRefs, ShopConfigError } from "../src/config";
import { domainsOf } from "../src/db/ownership";

function problemsOf(env: Record<string, string>): string[] {
    try {
        readConfig(env);
    } catch (err) {
        if (err instanceof ShopConfigError) return err.problems;
        throw err;
    }
    throw new Error("expected a ShopConfigError");
}

describe("the shop's configuration", () => {
    it("runs on the embedded defaults with nothing set", () => {
        const config = readConfig({});
        expect(config).toMatchObject({
            port: 8080,
            databases: undefined,
            modules: expect.arrayContaining(["catalog", "web", "gateway"]),
            region: "local",
            logLevel: "info",
        });
        expect(config.sessionSecretGenerated).toBe(true);
        expect(config.sessionSecret).toHaveLength(64);
    });

    it("gives every domain the main database and its readers unless a domain has its own", () => {
        const config = readConfig({
            SHOP_DATABASE_URL: "postgres://shop@writer:5432/shop",
            SHOP_DATABASE_READER_URLS: "postgres://shop@reader-a/shop, postgres://shop@reader-b/shop",
            SHOP_DATABASE_URL_ORDERS: "postgres://shop@orders-writer/orders",
        });
        expect(config.databases).toEqual({
            catalog: { url: "postgres://shop@writer:5432/shop", readerUrls: ["postgres://shop@reader-a/shop", "postgres://shop@reader-b/shop"] },
            users: { url: "postgres://shop@writer:5432/shop", readerUrls: ["postgres://shop@reader-a/shop", "postgres://shop@reader-b/shop"] },
            orders: { url: "postgres://shop@orders-writer/orders", readerUrls: [] },
        });
    });

    it("gives each database its own password where one is set, else the main one", () => {
        const config = readConfig({
            SHOP_DATABASE_URL: "postgres://shop@writer/shop",
            SHOP_DATABASE_PASSWORD: "main-secret",
            SHOP_DATABASE_URL_USERS: "postgres://shop@users-writer/users",
            SHOP_DATABASE_PASSWORD_USERS: "users-secret",
            SHOP_DATABASE_URL_ORDERS: "postgres://shop@orders-writer/orders",
            SHOP_COMMENT_SHARD_URLS: "postgres://shop@c0/comments,postgres://shop@c1/comments",
            SHOP_COMMENT_SHARD_PASSWORD: "shard-secret",
        });
        expect(config.databases?.catalog?.password).toBe("main-secret");
        expect(config.databases?.users?.password).toBe("users-secret");
        expect(config.databases?.orders?.password).toBe("main-secret");
        expect(config.commentShardPassword).toBe("shard-secret");
        expect(
            readConfig({
                SHOP_DATABASE_URL: "postgres://shop@writer/shop",
                SHOP_DATABASE_PASSWORD: "main-secret",
                SHOP_COMMENT_SHARD_URLS: "postgres://shop@c0/comments",
            }).commentShardPassword,
        ).toBe("main-secret");
    });

    it("refuses a password for a database that is not configured", () => {
        const problems = problemsOf({
            SHOP_DATABASE_URL: "postgres://shop@writer/shop",
            SHOP_DATABASE_PASSWORD_CATALOG: "x",
            SHOP_COMMENT_SHARD_PASSWORD: "y",
            SHOP_SEARCH_PASSWORD: "z",
        });
        expect(problems).toEqual([
            "SHOP_DATABASE_PASSWORD_CATALOG: needs SHOP_DATABASE_URL_CATALOG",
            "SHOP_COMMENT_SHARD_PASSWORD: needs SHOP_COMMENT_SHARD_URLS",
            "SHOP_SEARCH_PASSWORD: needs SHOP_SEARCH_URL",
        ]);
    });

    it("reads modules, service URLs, region and secrets", () => {
        const config = readConfig({
            SHOP_MODULES: "catalog, search",
            SHOP_SERVICE_URL_ORDERS: "http://orders.shop.svc:8080/",
            SHOP_REGION: "eu-west-1",
            SHOP_SESSION_SECRET: "s".repeat(32),
            SHOP_REDIS_URL: "rediss://cache.example:6379",
            PORT: "9000",
        });
        expect(config).toMatchObject({
            modules: ["catalog", "search"],
            serviceUrls: { orders: "http://orders.shop.svc:8080" },
            region: "eu-west-1",
            port: 9000,
            redisUrl: "rediss://cache.example:6379",
        });
        expect(config.sessionSecretGenerated).toBe(false);
    });

    it("takes only the databases of the domains a process owns, and names an owned domain left without one", () => {
        const orders = readConfig({
            SHOP_MODULES: "orders,payments",
            SHOP_DATABASE_URL_ORDERS: "postgres://shop_orders@orders-db/shop",
            SHOP_SERVICE_URL_CATALOG: "http://catalog",
        });
        expect(orders.databases?.orders?.url).toBe("postgres://shop_orders@orders-db/shop");
        expect(orders.databases?.catalog).toBeUndefined();
        expect(problemsOf({ SHOP_MODULES: "catalog,users", SHOP_DATABASE_URL_CATALOG: "postgres://shop_catalog@catalog-db/shop" })).toEqual([
            "SHOP_DATABASE_URL_USERS: missing: this process owns the users domain (SHOP_MODULES catalog,users)",
        ]);
    });

    it("names every malformed variable at once", () => {
        const problems = problemsOf({
            PORT: "80a",
            SHOP_DATABASE_READER_URLS: "mysql://nope",
            SHOP_DATABASE_PASSWORD_ORDERS: "orders-secret",
            SHOP_MODULES: "catalog,teleport",
            SHOP_SERVICE_URL_CART: "ftp://cart",
            SHOP_REDIS_URL: "memcached://x",
            SHOP_SESSION_SECRET: "short",
            SHOP_LOG_LEVEL: "loud",
        });
        const named = problems.map((p) => p.split(":")[0]);
        expect(named).toEqual(
            expect.arrayContaining([
                "PORT",
                "SHOP_DATABASE_READER_URLS",
                "SHOP_DATABASE_PASSWORD_ORDERS",
                "SHOP_MODULES",
                "SHOP_SERVICE_URL_CART",
                "SHOP_REDIS_URL",
                "SHOP_SESSION_SECRET",
                "SHOP_LOG_LEVEL",
            ]),
        );
        expect(problems.find((p) => p.startsWith("SHOP_MODULES"))).toContain("unknown teleport");
        expect(problems.find((p) => p.startsWith("PORT"))).toContain('"80a"');
    });

    it("reads the trusted proxies, the metrics port and the pool size, and refuses malformed ones", () => {
        expect(readConfig({})).toMatchObject({ trustedProxies: [], metricsPort: 9464, databasePoolMax: 10 });
        expect(readConfig({ SHOP_TRUSTED_PROXIES: "10.0.0.0/16, 127.0.0.1", SHOP_METRICS_PORT: "9100", SHOP_DATABASE_POOL_MAX: "25" })).toMatchObject({
            trustedProxies: ["10.0.0.0/16", "127.0.0.1"],
            metricsPort: 9100,
            databasePoolMax: 25,
        });
        const problems = problemsOf({ SHOP_TRUSTED_PROXIES: "10.0.0.0/16,everyone", PORT: "9000", SHOP_METRICS_PORT: "9000", SHOP_DATABASE_POOL_MAX: "1" });
        expect(problems).toEqual([
            'SHOP_TRUSTED_PROXIES: expected a comma-separated list of addresses or CIDR ranges (got "everyone")',
            "SHOP_METRICS_PORT: must differ from PORT (both 9000)",
            'SHOP_DATABASE_POOL_MAX: expected a whole number 2-1000 (got "1")',
        ]);
    });
});

describe("compiled schemas kept between starts", () => {
    it("compiles them at every start unless given an absolute directory to keep them in", () => {
        expect(readConfig({}).compiledSchemasDir).toBeUndefined();
        expect(readConfig({ SHOP_COMPILED_SCHEMAS_DIR: "/var/cache/shop/schemas" }).compiledSchemasDir).toBe("/var/cache/shop/schemas");
        expect(problemsOf({ SHOP_COMPILED_SCHEMAS_DIR: "cache/schemas" })).toEqual([
            'SHOP_COMPILED_SCHEMAS_DIR: expected an absolute path (got "cache/schemas")',
        ]);
    });
});

describe("product media (stage 10)", () => {
    it("keeps pictures in a local directory unless a bucket is named, and needs the bucket's region", () => {
        const local = readConfig({});
        expect(local.mediaBucket).toBeUndefined();
        expect(local.mediaDir).toMatch(/shop-evolution-media$/);
        expect(readConfig({ SHOP_MEDIA_BUCKET: "shop-media-eu-west-1", SHOP_REGION: "eu-west-1" })).toMatchObject({
            mediaBucket: "shop-media-eu-west-1",
            mediaRegion: "eu-west-1",
        });
        expect(readConfig({ SHOP_MEDIA_BUCKET: "shop-media-eu-west-1", SHOP_REGION: "eu-central-1", SHOP_MEDIA_REGION: "eu-west-1" }).mediaRegion).toBe(
            "eu-west-1",
        );
        expect(problemsOf({ SHOP_MEDIA_BUCKET: "Not_A_Bucket" })).toEqual([
            'SHOP_MEDIA_BUCKET: expected an S3 bucket name (got "Not_A_Bucket")',
            "SHOP_MEDIA_BUCKET: needs the bucket's region in SHOP_MEDIA_REGION",
        ]);
    });
});

describe("service boundaries (issue 19)", () => {
    it("knows which domains a process owns from its modules", () => {
        expect(domainsOf(["catalog", "search", "comments"], { redis: true })).toEqual(["catalog", "comments"]);
        expect(domainsOf(["orders", "payments"], { redis: true })).toEqual(["orders"]);
        expect(domainsOf(["cart"], { redis: true })).toEqual([]);
        expect(domainsOf(["cart"], { redis: false })).toEqual(["orders"]);
        expect(domainsOf(["gateway"], { redis: true })).toEqual([]);
        // The storefront opens the domains of its pages only where it knows no service for them.
        expect(domainsOf(["gateway", "web"], { redis: true })).toEqual(["catalog", "orders", "users", "comments"]);
        const url = "http://127.0.0.1:9";
        const everyService = { catalog: url, search: url, comments: url, orders: url, users: url };
        expect(domainsOf(["gateway", "web"], { redis: true, serviceUrls: everyService })).toEqual([]);
        expect(domainsOf(["web", "catalog", "search", "comments"], { redis: true, serviceUrls: { orders: url, users: url } })).toEqual(["catalog", "comments"]);
        expect(domainsOf(["gateway", "web"], { redis: true, serviceUrls: { ...everyService, comments: undefined } })).toEqual(["comments"]);
        // Without Redis its sessions are in the users database and its carts in the orders one.
        expect(domainsOf(["gateway", "web"], { redis: false, serviceUrls: everyService })).toEqual(["orders", "users"]);
        expect(
            readConfig({
                SHOP_MODULES: "gateway,web",
                ...Object.fromEntries(Object.keys(everyService).map((m) => [`SHOP_SERVICE_URL_${m.toUpperCase()}`, url])),
            }).modules,
        ).toEqual(["gateway", "web"]);
    });

    it("runs migrations itself unless they are external, and needs the catalog's service where it does not own the catalog", () => {
        expect(readConfig({}).migrations).toBe("local");
        expect(readConfig({ SHOP_MIGRATIONS: "external" }).migrations).toBe("external");
        expect(problemsOf({ SHOP_MIGRATIONS: "sometimes", SHOP_MODULES: "orders,payments,cart" })).toEqual([
            'SHOP_MIGRATIONS: expected local or external (got "sometimes")',
            "SHOP_MODULES: orders, cart without the catalog need SHOP_SERVICE_URL_CATALOG (products and stock are the catalog's)",
        ]);
        expect(readConfig({ SHOP_MODULES: "orders,payments", SHOP_SERVICE_URL_CATALOG: "http://catalog.internal" }).serviceUrls.catalog).toBe(
            "http://catalog.internal",
        );
    });

    it("reads the migration entry's role passwords: all four or none, and long enough", () => {
        const database = { SHOP_DATABASE_URL: "postgres://master@writer/shop" };
        expect(readMigrateConfig(database).rolePasswords).toEqual({});
        const four = Object.fromEntries(["CATALOG", "ORDERS", "USERS", "COMMENTS"].map((d) => [`SHOP_ROLE_PASSWORD_${d}`, `${d.toLowerCase()}-password-long`]));
        expect(readMigrateConfig({ ...database, ...four, SHOP_MIGRATIONS: "external" })).toMatchObject({
            migrations: "local",
            rolePasswords: {
                catalog: "catalog-password-long",
                orders: "orders-password-long",
                users: "users-password-long",
                comments: "comments-password-long",
            },
        });
        let problems: string[] = [];
        try {
            readMigrateConfig({ SHOP_ROLE_PASSWORD_CATALOG: "short", SHOP_ROLE_PASSWORD_SEARCH: "search-password-long" });
        } catch (err) {
            problems = (err as ShopConfigError).problems;
        }
        expect(problems).toEqual([
            "SHOP_ROLE_PASSWORD_ORDERS: missing: this run migrates the orders domain and makes the roles of the domains it migrates",
            "SHOP_ROLE_PASSWORD_USERS: missing: this run migrates the users domain and makes the roles of the domains it migrates",
            "SHOP_ROLE_PASSWORD_COMMENTS: missing: this run migrates the comments domain and makes the roles of the domains it migrates",
            "SHOP_ROLE_PASSWORD_<DOMAIN>: needs the databases' URLs (the roles live in PostgreSQL)",
            "SHOP_ROLE_PASSWORD_CATALOG: expected at least 12 characters",
            "SHOP_ROLE_PASSWORD_SEARCH: needs SHOP_SEARCH_URL (the master user's endpoint)",
        ]);
    });

    it("reads secrets by reference, naming every malformed one", () => {
        const ref = { secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/master-AbCdEf", jsonKey: "password" };
        expect(readSecretRefs({ SHOP_SECRET_REFS: JSON.stringify({ SHOP_DATABASE_PASSWORD: ref }) })).toEqual({ SHOP_DATABASE_PASSWORD: ref });
        expect(readSecretRefs({})).toEqual({});
        expect(() => readSecretRefs({ SHOP_SECRET_REFS: "{not json" })).toThrow("SHOP_SECRET_REFS: expected JSON");
        try {
            readSecretRefs({ SHOP_SECRET_REFS: JSON.stringify({ "lower-case": ref, SHOP_X: { secretArn: "shop/master" }, SHOP_Y: { ...ref, jsonKey: 3 } }) });
            throw new Error("expected a ShopConfigError");
        } catch (err) {
            expect((err as ShopConfigError).problems).toEqual([
                'SHOP_SECRET_REFS: "lower-case" is not an environment variable\'s name',
                "SHOP_SECRET_REFS: SHOP_X needs a secretArn (arn:...)",
                "SHOP_SECRET_REFS: SHOP_Y's jsonKey must be a string",
            ]);
        }
    });
});
