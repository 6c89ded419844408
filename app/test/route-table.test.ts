/**
 * The route table the load balancers and the gateway are built from (routes.ts moduleRoutes and
 * internalRoutes, and from them stacks/service-layout.ts modulePathPatterns) against the API and
 * internal routes the shop's plugins really register, read from Fastify: a process serving one
 * module registers exactly that module's routes, the gateway forwards exactly the API table (no
 * internal route), and every registered route falls under its module's ALB path patterns.
 */
import { FastifyInstance } from "fastify";
import { Module } from "../src/config";
import { internalRoutes, moduleRoutes } from "../src/gateway/routes";
import { modulePathPatterns } from "../../stacks/service-layout";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RunningShop, startShop } from "./support/shop";

/** Path → methods (HEAD left out: Fastify adds it to every GET) of the /api routes Fastify knows, from its route tree. */
function apiRoutes(app: FastifyInstance): Record<string, string[]> {
    const routes: Record<string, string[]> = {};
    const path: string[] = [];
    for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
        const node = line.match(/^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([A-Z, ]+)\))?$/);
        if (!node) continue;
        path.length = node[1].length / 4;
        path.push(node[2]);
        const url = path.join("");
        if (node[3] && (url.startsWith("/api/") || url.startsWith("/internal/")))
            routes[url] = node[3]
                .split(", ")
                .filter((m) => m !== "HEAD")
                .sort();
    }
    return routes;
}

/** The table's routes of these modules (with their internal routes, unless `forwarded` only), in the same shape. */
function tableRoutes(modules: Module[], forwarded = false): Record<string, string[]> {
    const routes: Record<string, string[]> = {};
    for (const module of modules)
        for (const [methods, url] of [...(moduleRoutes[module] ?? []), ...(forwarded ? [] : (internalRoutes[module] ?? []))])
            routes[url] = [...(routes[url] ?? []), ...methods].sort();
    return routes;
}

/** An ALB path pattern as a regular expression: `*` any characters, `?` one. */
const matcher = (pattern: string) =>
    new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
    );

describe("the route table against the routes the plugins register", () => {
    let postgres: PostgresServer;
    let database: string;
    const shops: RunningShop[] = [];
    const start = async (env: Record<string, string>) => {
        // A process without the catalog reaches it through its API (never called while routes are registered).
        const shop = await startShop({ SHOP_DATABASE_URL: database, SHOP_SERVICE_URL_CATALOG: "http://127.0.0.1:9", ...env });
        shops.push(shop);
        return shop;
    };

    beforeAll(async () => {
        postgres = await startPostgres();
        database = await postgres.createDatabase("shop");
    }, 60_000);
    afterAll(async () => {
        for (const shop of shops) await shop.close();
        await postgres?.stop();
    });

    const routed = Object.keys(moduleRoutes) as Module[];

    it.each(routed)("a process serving %s registers exactly its routes of the table, each under its ALB path patterns", async (module) => {
        const shop = await start({ SHOP_MODULES: module });
        const registered = apiRoutes(shop.app);
        expect(registered).toEqual(tableRoutes([module]));
        for (const url of Object.keys(registered)) {
            const path = url.replace(/:[a-z]+/g, "42");
            expect([path, modulePathPatterns(module).some((pattern) => matcher(pattern).test(path))]).toEqual([path, true]);
        }
    });

    it("registers no API route outside the table in the whole shop, and the gateway forwards exactly the table", async () => {
        const whole = await start({});
        expect(apiRoutes(whole.app)).toEqual(tableRoutes(routed));
        const gateway = await start({
            SHOP_MODULES: "gateway,web",
            ...Object.fromEntries(routed.map((m) => [`SHOP_SERVICE_URL_${m.toUpperCase()}`, "http://127.0.0.1:9"])),
        });
        // Never an internal route: a visitor cannot reach one through the gateway.
        expect(apiRoutes(gateway.app)).toEqual(tableRoutes(routed, true));
    });
});
