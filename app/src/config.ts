/**
 * The shop's configuration: the environment contract of docs/contracts.md, read and validated once at
 * start. With none of it set, the shop runs on its embedded defaults (PGlite, an in-process
 * cache, PostgreSQL full-text search) and needs no server at all.
 */
import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { domainsOf, schemaDomains } from "./db/ownership";
import { defaultFlagsRefreshMs } from "./flags/feature-flags";

export const modules = ["catalog", "cart", "orders", "users", "payments", "comments", "search", "web", "gateway"] as const;
export type Module = (typeof modules)[number];
export const domains = ["catalog", "orders", "users"] as const;
export type Domain = (typeof domains)[number];

export interface DatabaseTarget {
    /** The writer (primary). */
    url: string;
    /** Readers (replicas), possibly none. */
    readerUrls: string[];
    /** The password of the writer and the readers, kept out of the URLs. */
    password?: string;
}

export interface ShopConfig {
    port: number;
    /** Where each business domain's data lives; absent: the embedded PGlite. */
    /** Each domain's database; a domain this process does not own may have none (the stacks give each process only its own). */
    databases?: Record<Domain, DatabaseTarget | undefined>;
    /** Comment shards (stage 7); empty: comments live with the catalog. */
    commentShardUrls: string[];
    /** The password of every comment shard (they share one credential). */
    commentShardPassword?: string;
    redisUrl?: string;
    redisAuthToken?: string;
    searchUrl?: string;
    /** The password of the search domain's user named in `searchUrl`. */
    searchPassword?: string;
    /** Modules this process serves. */
    modules: Module[];
    /** Where the modules this process does not serve live. */
    serviceUrls: Partial<Record<Module, string>>;
    region: string;
    /** Signs session cookies; every instance behind one load balancer needs the same. */
    sessionSecret: string;
    sessionSecretGenerated: boolean;
    /** Where the embedded PGlite keeps its files; absent: in memory. */
    pgliteDir?: string;
    logLevel: string;
    /** The S3 bucket of product pictures (stage 10); absent: a local directory. */
    mediaBucket?: string;
    /** The bucket's region. @default SHOP_MEDIA_REGION, AWS_REGION, then SHOP_REGION */
    mediaRegion?: string;
    /** Where pictures are kept without a bucket. @default <tmpdir>/shop-evolution-media */
    mediaDir: string;
    /** `off` turns the cache off (for benchmarks and diagnosis). @default "on" */
    cache: "on" | "off";
    /** Where the routes' compiled schemas are kept between starts (http/kept-schemas.ts); absent: compiled at every start. */
    compiledSchemasDir?: string;
    /**
     * Addresses and CIDR ranges of the proxies in front (Nginx, load balancers) whose
     * X-Forwarded-For is believed. Empty: nothing is trusted, the peer is the client.
     */
    trustedProxies: string[];
    /** Where /metrics is served, apart from the shop's port; 0: a free port (tests). @default 9464 */
    metricsPort: number;
    /** Connections in each database pool (the stacks size it to the database's limit). @default 10 */
    databasePoolMax: number;
    /**
     * `external`: the migration function (migrate.ts) runs the migrations; this process runs no
     * DDL and is not ready until its domains' schema is current. @default "local"
     */
    migrations: "local" | "external";
    /** Where spans go over OTLP/HTTP (stage 12 on: the collector beside the shop); absent: no tracing at all. */
    otlpEndpoint?: string;
    /** Where the feature flags are read (app/src/flags): an SSM parameter (stage 11 on), a local file, or nowhere (every feature on). */
    flags?: { parameter: string; region: string } | { file: string };
    /**
     * How often the flags' source is read again. Every process of a fleet reads the parameter on its own, and SSM
     * allows an account and region about 40 reads a second: a large fleet reads less often. @default 5000
     */
    flagsRefreshMs: number;
}

export class ShopConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid shop configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ShopConfigError";
    }
}

const postgresUrl = /^postgres(ql)?:\/\/[^\s]+$/;
const redisUrl = /^rediss?:\/\/[^\s]+$/;
const httpUrl = /^https?:\/\/[^\s]+$/;
const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Reads the environment contract; throws one ShopConfigError naming every malformed variable. */
export function readConfig(env: Record<string, string | undefined> = process.env): ShopConfig {
    const problems: string[] = [];
    const get = (name: string) => {
        const value = env[name];
        return value === undefined || value.trim() === "" ? undefined : value.trim();
    };
    const url = (name: string, pattern: RegExp, what: string) => {
        const value = get(name);
        if (value !== undefined && !pattern.test(value)) problems.push(`${name}: expected ${what} (got ${JSON.stringify(value)})`);
        return value;
    };
    const urlList = (name: string, pattern: RegExp, what: string) => {
        const value = get(name);
        if (value === undefined) return [];
        const items = value
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean);
        for (const item of items) if (!pattern.test(item)) problems.push(`${name}: expected a comma-separated list of ${what} (got ${JSON.stringify(item)})`);
        return items;
    };

    const portText = get("PORT") ?? "8080";
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) problems.push(`PORT: expected a port number 1-65535 (got ${JSON.stringify(portText)})`);

    const writer = url("SHOP_DATABASE_URL", postgresUrl, "a postgres:// URL");
    const readers = urlList("SHOP_DATABASE_READER_URLS", postgresUrl, "postgres:// URLs");
    const perDomain = Object.fromEntries(
        domains.map((d) => {
            const upper = d.toUpperCase();
            const domainWriter = url(`SHOP_DATABASE_URL_${upper}`, postgresUrl, "a postgres:// URL");
            const domainReaders = urlList(`SHOP_DATABASE_READER_URLS_${upper}`, postgresUrl, "postgres:// URLs");
            if (!domainWriter && domainReaders.length > 0) problems.push(`SHOP_DATABASE_READER_URLS_${upper}: needs SHOP_DATABASE_URL_${upper}`);
            // Each domain's database may have a credential of its own (stage 6: one cluster each).
            const domainPassword = get(`SHOP_DATABASE_PASSWORD_${upper}`);
            if (!domainWriter && domainPassword !== undefined) problems.push(`SHOP_DATABASE_PASSWORD_${upper}: needs SHOP_DATABASE_URL_${upper}`);
            return [d, domainWriter ? { url: domainWriter, readerUrls: domainReaders, password: domainPassword ?? get("SHOP_DATABASE_PASSWORD") } : undefined];
        }),
    ) as Record<Domain, DatabaseTarget | undefined>;
    if (!writer && readers.length > 0) problems.push("SHOP_DATABASE_READER_URLS: needs SHOP_DATABASE_URL");
    const commentShardUrls = urlList("SHOP_COMMENT_SHARD_URLS", postgresUrl, "postgres:// URLs");
    const commentShardPassword = get("SHOP_COMMENT_SHARD_PASSWORD");
    if (commentShardUrls.length === 0 && commentShardPassword !== undefined) problems.push("SHOP_COMMENT_SHARD_PASSWORD: needs SHOP_COMMENT_SHARD_URLS");

    const moduleList = (get("SHOP_MODULES") ?? modules.join(","))
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean);
    const unknownModules = moduleList.filter((m) => !(modules as readonly string[]).includes(m));
    if (unknownModules.length > 0) problems.push(`SHOP_MODULES: unknown ${unknownModules.join(", ")}; expected some of ${modules.join(", ")}`);
    const serviceUrls: Partial<Record<Module, string>> = {};
    for (const m of modules) {
        const value = url(`SHOP_SERVICE_URL_${m.toUpperCase()}`, httpUrl, "an http:// or https:// URL");
        if (value) serviceUrls[m] = value.replace(/\/+$/, "");
    }

    const logLevel = get("SHOP_LOG_LEVEL") ?? "info";
    if (!logLevels.includes(logLevel)) problems.push(`SHOP_LOG_LEVEL: expected one of ${logLevels.join(", ")} (got ${JSON.stringify(logLevel)})`);
    const sessionSecret = get("SHOP_SESSION_SECRET");
    if (sessionSecret !== undefined && sessionSecret.length < 32) problems.push("SHOP_SESSION_SECRET: expected at least 32 characters");

    const compiledSchemasDir = get("SHOP_COMPILED_SCHEMAS_DIR");
    if (compiledSchemasDir !== undefined && !path.isAbsolute(compiledSchemasDir))
        problems.push(`SHOP_COMPILED_SCHEMAS_DIR: expected an absolute path (got ${JSON.stringify(compiledSchemasDir)})`);

    const cache = get("SHOP_CACHE") ?? "on";
    if (cache !== "on" && cache !== "off") problems.push(`SHOP_CACHE: expected on or off (got ${JSON.stringify(cache)})`);
    const redis = url("SHOP_REDIS_URL", redisUrl, "a redis:// or rediss:// URL");
    const search = url("SHOP_SEARCH_URL", httpUrl, "an http:// or https:// URL");
    const searchPassword = get("SHOP_SEARCH_PASSWORD");
    if (!search && searchPassword !== undefined) problems.push("SHOP_SEARCH_PASSWORD: needs SHOP_SEARCH_URL");

    const trustedProxies = (get("SHOP_TRUSTED_PROXIES") ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    for (const range of trustedProxies)
        if (!isIP(range.split("/")[0]) || !/^[^/]+(\/\d{1,3})?$/.test(range))
            problems.push(`SHOP_TRUSTED_PROXIES: expected a comma-separated list of addresses or CIDR ranges (got ${JSON.stringify(range)})`);
    const metricsPortText = get("SHOP_METRICS_PORT") ?? "9464";
    const metricsPort = Number(metricsPortText);
    if (!/^\d+$/.test(metricsPortText) || metricsPort > 65535)
        problems.push(`SHOP_METRICS_PORT: expected a port number 0-65535 (got ${JSON.stringify(metricsPortText)})`);
    else if (metricsPort !== 0 && metricsPort === port) problems.push(`SHOP_METRICS_PORT: must differ from PORT (both ${port})`);
    const poolText = get("SHOP_DATABASE_POOL_MAX") ?? "10";
    const databasePoolMax = Number(poolText);
    if (!/^\d+$/.test(poolText) || databasePoolMax < 2 || databasePoolMax > 1000)
        problems.push(`SHOP_DATABASE_POOL_MAX: expected a whole number 2-1000 (got ${JSON.stringify(poolText)})`);
    const mediaBucket = get("SHOP_MEDIA_BUCKET");
    if (mediaBucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(mediaBucket))
        problems.push(`SHOP_MEDIA_BUCKET: expected an S3 bucket name (got ${JSON.stringify(mediaBucket)})`);
    const otlpEndpoint = url("SHOP_OTLP_ENDPOINT", httpUrl, "an http:// or https:// URL");
    const mediaRegion = get("SHOP_MEDIA_REGION") ?? get("AWS_REGION") ?? get("SHOP_REGION");
    if (mediaBucket !== undefined && mediaRegion === undefined) problems.push("SHOP_MEDIA_BUCKET: needs the bucket's region in SHOP_MEDIA_REGION");

    const migrations = get("SHOP_MIGRATIONS") ?? "local";
    if (migrations !== "local" && migrations !== "external") problems.push(`SHOP_MIGRATIONS: expected local or external (got ${JSON.stringify(migrations)})`);
    const catalogUsers = moduleList.filter((m) => m === "orders" || m === "cart" || m === "comments");
    // Given databases, every domain this process owns needs one: its own URL, or the shared SHOP_DATABASE_URL (comments: the shards or the catalog's).
    const anyDatabase = writer !== undefined || Object.values(perDomain).some(Boolean);
    if (anyDatabase && !unknownModules.length) {
        for (const d of domainsOf(moduleList as Module[], { redis: redis !== undefined, serviceUrls })) {
            const has =
                d === "comments"
                    ? commentShardUrls.length > 0 || perDomain.catalog !== undefined || writer !== undefined
                    : perDomain[d as Domain] !== undefined || writer !== undefined;
            if (!has) problems.push(`SHOP_DATABASE_URL_${d.toUpperCase()}: missing: this process owns the ${d} domain (SHOP_MODULES ${moduleList.join(",")})`);
        }
    }
    if (catalogUsers.length > 0 && !domainsOf(moduleList as Module[], { redis: redis !== undefined, serviceUrls }).includes("catalog") && !serviceUrls.catalog)
        problems.push(`SHOP_MODULES: ${catalogUsers.join(", ")} without the catalog need SHOP_SERVICE_URL_CATALOG (products and stock are the catalog's)`);
    const flagsParameter = get("SHOP_FLAGS_PARAMETER");
    const flagsFile = get("SHOP_FLAGS_FILE");
    const flagsRegion = get("AWS_REGION") ?? get("SHOP_REGION");
    if (flagsParameter !== undefined && !/^\/[A-Za-z0-9_./-]{1,1010}$/.test(flagsParameter))
        problems.push(`SHOP_FLAGS_PARAMETER: expected an SSM parameter name such as /shop-evolution/prod/flags (got ${JSON.stringify(flagsParameter)})`);
    if (flagsParameter !== undefined && flagsFile !== undefined) problems.push("SHOP_FLAGS_FILE: give SHOP_FLAGS_PARAMETER or SHOP_FLAGS_FILE, not both");
    if (flagsParameter !== undefined && flagsRegion === undefined)
        problems.push("SHOP_FLAGS_PARAMETER: needs the parameter's region in AWS_REGION or SHOP_REGION");
    const flagsRefreshText = get("SHOP_FLAGS_REFRESH_SECONDS") ?? String(defaultFlagsRefreshMs / 1000);
    const flagsRefreshSeconds = Number(flagsRefreshText);
    if (!/^\d+$/.test(flagsRefreshText) || flagsRefreshSeconds < 1 || flagsRefreshSeconds > 3600)
        problems.push(`SHOP_FLAGS_REFRESH_SECONDS: expected a whole number of seconds 1-3600 (got ${JSON.stringify(flagsRefreshText)})`);

    if (problems.length > 0) throw new ShopConfigError(problems);
    return {
        migrations: migrations as "local" | "external",
        port,
        databases:
            writer || Object.values(perDomain).some(Boolean)
                ? (Object.fromEntries(
                      domains.map((d) => [
                          d,
                          perDomain[d] ?? (writer ? { url: writer, readerUrls: readers, password: get("SHOP_DATABASE_PASSWORD") } : undefined),
                      ]),
                  ) as Record<Domain, DatabaseTarget | undefined>)
                : undefined,
        commentShardUrls,
        commentShardPassword: commentShardPassword ?? get("SHOP_DATABASE_PASSWORD"),
        redisUrl: redis,
        redisAuthToken: get("SHOP_REDIS_AUTH_TOKEN"),
        searchUrl: search,
        searchPassword,
        modules: moduleList as Module[],
        serviceUrls,
        region: get("SHOP_REGION") ?? "local",
        sessionSecret: sessionSecret ?? randomBytes(32).toString("hex"),
        sessionSecretGenerated: sessionSecret === undefined,
        pgliteDir: get("SHOP_PGLITE_DIR"),
        logLevel,
        cache: cache as "on" | "off",
        compiledSchemasDir,
        trustedProxies,
        metricsPort,
        databasePoolMax,
        mediaBucket,
        mediaRegion: mediaBucket ? mediaRegion : undefined,
        mediaDir: get("SHOP_MEDIA_DIR") ?? path.join(os.tmpdir(), "shop-evolution-media"),
        otlpEndpoint: otlpEndpoint?.replace(/\/+$/, ""),
        flags: flagsParameter ? { parameter: flagsParameter, region: flagsRegion! } : flagsFile ? { file: flagsFile } : undefined,
        flagsRefreshMs: flagsRefreshSeconds * 1000,
    };
}

/** The application roles' domains: SHOP_ROLE_PASSWORD_<DOMAIN> of the migration entry. */
const roleDomains = schemaDomains;

export interface MigrateConfig extends ShopConfig {
    /** The password of each domain's application role (`shop_<domain>`); none: no roles are made (a laptop). */
    rolePasswords: Partial<Record<(typeof roleDomains)[number], string>>;
    /** The password of the search domain's application user `shop_search`. */
    searchRolePassword?: string;
}

/** The migration entry's configuration (docs/contracts.md, "Migration entry"): the shop's, with the roles' passwords. */
export function readMigrateConfig(env: Record<string, string | undefined> = process.env): MigrateConfig {
    const problems: string[] = [];
    let config: ShopConfig | undefined;
    try {
        // The migration entry always runs the migrations, whatever the fleets are told.
        config = readConfig({ ...env, SHOP_MIGRATIONS: "local" });
    } catch (err) {
        if (!(err instanceof ShopConfigError)) throw err;
        problems.push(...err.problems);
    }
    const value = (name: string) => (env[name]?.trim() ? env[name] : undefined);
    const rolePasswords = Object.fromEntries(
        roleDomains.flatMap((d) => (value(`SHOP_ROLE_PASSWORD_${d.toUpperCase()}`) ? [[d, value(`SHOP_ROLE_PASSWORD_${d.toUpperCase()}`)!]] : [])),
    );
    const given = Object.keys(rolePasswords);
    if (given.length > 0 && config) {
        // Each run makes the roles of the domains it migrates (the stacks run one function a domain).
        const migrated = domainsOf(config.modules, { redis: config.redisUrl !== undefined });
        for (const d of roleDomains)
            if (migrated.includes(d) && !given.includes(d))
                problems.push(
                    `SHOP_ROLE_PASSWORD_${d.toUpperCase()}: missing: this run migrates the ${d} domain and makes the roles of the domains it migrates`,
                );
        if (!config.databases) problems.push("SHOP_ROLE_PASSWORD_<DOMAIN>: needs the databases' URLs (the roles live in PostgreSQL)");
    }
    for (const [name, password] of Object.entries({ ...rolePasswords, search: value("SHOP_ROLE_PASSWORD_SEARCH") }))
        if (password !== undefined && password.length < 12) problems.push(`SHOP_ROLE_PASSWORD_${name.toUpperCase()}: expected at least 12 characters`);
    const searchRolePassword = value("SHOP_ROLE_PASSWORD_SEARCH");
    if (searchRolePassword !== undefined && !value("SHOP_SEARCH_URL"))
        problems.push("SHOP_ROLE_PASSWORD_SEARCH: needs SHOP_SEARCH_URL (the master user's endpoint)");
    if (problems.length > 0) throw new ShopConfigError(problems);
    return { ...config!, rolePasswords, searchRolePassword };
}

export interface SecretRef {
    secretArn: string;
    jsonKey?: string;
}

/** SHOP_SECRET_REFS: `{ "<ENV VAR>": { "secretArn": "arn:...", "jsonKey": "password" } }` (the Lambda function's secrets, by reference). */
export function readSecretRefs(env: Record<string, string | undefined> = process.env): Record<string, SecretRef> {
    const text = env.SHOP_SECRET_REFS?.trim();
    if (!text) return {};
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        throw new ShopConfigError(["SHOP_SECRET_REFS: expected JSON"]);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ShopConfigError(["SHOP_SECRET_REFS: expected a JSON object"]);
    const problems: string[] = [];
    for (const [name, ref] of Object.entries(parsed as Record<string, unknown>)) {
        const r = ref as Partial<SecretRef> | null;
        if (!/^[A-Z][A-Z0-9_]*$/.test(name)) problems.push(`SHOP_SECRET_REFS: ${JSON.stringify(name)} is not an environment variable's name`);
        if (typeof r !== "object" || r === null || typeof r.secretArn !== "string" || !r.secretArn.startsWith("arn:"))
            problems.push(`SHOP_SECRET_REFS: ${name} needs a secretArn (arn:...)`);
        else if (r.jsonKey !== undefined && typeof r.jsonKey !== "string") problems.push(`SHOP_SECRET_REFS: ${name}'s jsonKey must be a string`);
    }
    if (problems.length > 0) throw new ShopConfigError(problems);
    return parsed as Record<string, SecretRef>;
}
