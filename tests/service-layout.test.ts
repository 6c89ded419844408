import { moduleRoutes } from "../app/src/gateway/routes";
import { domainsOf } from "../app/src/db/ownership";
import { catalogCallers, modulePathPatterns, serviceUrlsFor, shopApps } from "../stacks/service-layout";

/** An ALB path pattern as a regular expression: `*` any characters, `?` one. */
const matcher = (pattern: string) =>
    new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
    );

describe("the shop's fleets per stage", () => {
    it("routes every API route of the shop's gateway to the app that serves its module, and no other module's app first", () => {
        for (const stage of [11, 12, 13]) {
            const apps = Object.entries(shopApps(stage));
            for (const [module, routes] of Object.entries(moduleRoutes)) {
                for (const [, url] of routes!) {
                    const path = url.replace(/:[a-z]+/g, "42");
                    const owners = apps
                        .filter(([, app]) => app.modules.some((m) => modulePathPatterns(m).some((p) => matcher(p).test(path))))
                        .map(([key]) => key);
                    const servedBy = apps.filter(([, app]) => (app.modules as string[]).includes(module)).map(([key]) => key);
                    expect([stage, path, owners]).toEqual([stage, path, servedBy]);
                }
            }
        }
    });

    it("serves every module somewhere at every stage, and the gateway only from stage 12", () => {
        for (let stage = 4; stage <= 15; stage++) {
            const served = Object.values(shopApps(stage)).flatMap((app) => app.modules);
            for (const module of ["web", "catalog", "search", "comments", "cart", "orders", "payments", "users"])
                expect([stage, module, served.includes(module as never)]).toEqual([stage, module, true]);
            expect(served.includes("gateway")).toBe(stage >= 12);
        }
    });
});

describe("the catalog's callers", () => {
    it("names the apps that reserve stock through the catalog's API, and the app that serves it", () => {
        const at = (stage: number) => catalogCallers(Object.entries(shopApps(stage)));
        expect(at(10)).toEqual({ callers: [], catalogApp: "app" });
        expect(at(11)).toEqual({ callers: ["trade"], catalogApp: "app" });
        expect(at(12)).toEqual({ callers: ["orders", "cart"], catalogApp: "app" });
        expect(at(13)).toEqual({ callers: ["orders", "cart"], catalogApp: "catalog" });
    });
});

describe("the service URLs each app is given", () => {
    const urlsAt = (stage: number) => {
        const apps = Object.entries(shopApps(stage));
        return Object.fromEntries(apps.map(([key]) => [key, serviceUrlsFor(apps, key, (app) => `http://${app}`)]));
    };

    it("gives the monolith none", () => {
        expect(urlsAt(10)).toEqual({ app: {} });
    });

    it("gives the storefront the service of every module of its pages that its app does not serve, the gateway every service, the catalog's callers the catalog", () => {
        expect(urlsAt(11)).toEqual({
            app: { SHOP_SERVICE_URL_ORDERS: "http://trade", SHOP_SERVICE_URL_USERS: "http://trade" },
            trade: { SHOP_SERVICE_URL_CATALOG: "http://app" },
        });
        expect(urlsAt(12)).toEqual({
            app: { SHOP_SERVICE_URL_USERS: "http://users", SHOP_SERVICE_URL_ORDERS: "http://orders", SHOP_SERVICE_URL_CART: "http://cart" },
            users: {},
            orders: { SHOP_SERVICE_URL_CATALOG: "http://app" },
            cart: { SHOP_SERVICE_URL_CATALOG: "http://app" },
        });
        for (const stage of [13, 14, 15]) {
            const catalog = "http://catalog";
            expect(urlsAt(stage)).toEqual({
                app: {
                    SHOP_SERVICE_URL_CATALOG: catalog,
                    SHOP_SERVICE_URL_SEARCH: catalog,
                    SHOP_SERVICE_URL_COMMENTS: catalog,
                    SHOP_SERVICE_URL_USERS: "http://users",
                    SHOP_SERVICE_URL_ORDERS: "http://orders",
                    SHOP_SERVICE_URL_CART: "http://cart",
                },
                catalog: {},
                users: {},
                orders: { SHOP_SERVICE_URL_CATALOG: catalog },
                cart: { SHOP_SERVICE_URL_CATALOG: catalog },
            });
        }
    });

    it("leaves the storefront no domain of its own from stage 11: what it does not serve, it reaches through a service", () => {
        for (const stage of [11, 12, 13, 14, 15]) {
            const apps = Object.entries(shopApps(stage));
            for (const [key, app] of apps) {
                if (!app.modules.includes("web")) continue;
                const reached = Object.keys(serviceUrlsFor(apps, key, () => "")).map((name) => name.replace("SHOP_SERVICE_URL_", "").toLowerCase());
                const served = app.modules as string[];
                // Every module of the pages is served here or reached remotely: the app's process opens no other domain (app/src/db/ownership.ts).
                expect(domainsOf(app.modules, { redis: true, serviceUrls: Object.fromEntries(reached.map((m) => [m, "http://x"])) })).toEqual(
                    domainsOf(
                        app.modules.filter((m) => m !== "web"),
                        { redis: true },
                    ),
                );
                expect(["catalog", "search", "comments", "orders", "users"].every((m) => served.includes(m) || reached.includes(m))).toBe(true);
            }
        }
    });
});
