import { Module } from "../app/src/config";
import { storefrontModules } from "../app/src/db/ownership";
import { internalRoutes, moduleRoutes } from "../app/src/gateway/routes";
import { DataDomain, domainsOf, WiringDomain } from "./ownership";
import { switchedOn } from "./registry";

/** One fleet of the shop: the modules its processes serve, and who reaches it. */
export interface ShopApp {
    /** SHOP_MODULES of its processes. */
    modules: Module[];
    /**
     * `entry`: Nginx's upstream, the internal ALB's default target; `paths`: the internal ALB
     * sends it the API paths of its modules; `service`: reached only through the services' ALB,
     * by the gateway.
     */
    reachedBy: "entry" | "paths" | "service";
}

/** The data domains an app owns (stacks/ownership.ts): from stage 11 its processes get only these domains' wiring, and only their stores admit it. */
export function ownedDomains(app: ShopApp): DataDomain[] {
    return domainsOf(app.modules);
}

/** What an app's processes are wired to: its domains, and the product pictures where it renders the storefront's pages without the catalog (whose wiring has them). */
export function wiredDomains(app: ShopApp): WiringDomain[] {
    const owned = ownedDomains(app);
    return [...owned, ...(app.modules.includes("web") && !owned.includes("catalog") ? (["pictures"] as const) : [])];
}

/** The keys of the apps of a stage that own a domain. */
export function appsOwning(stage: number, domain: DataDomain): string[] {
    return Object.entries(shopApps(stage))
        .filter(([, app]) => ownedDomains(app).includes(domain))
        .map(([key]) => key);
}

const allModules: Module[] = ["web", "catalog", "search", "comments", "cart", "orders", "payments", "users"];

/**
 * How the shop is cut into fleets at each stage, keyed by app (the key names the fleet and
 * its target group; `app`, the entry, keeps stage 4's fleet name throughout):
 * - stages 4-10: one application, every module;
 * - stage 11 (seed 3.11): the monolith split by business line: the storefront (browsing) and
 *   trade (cart, checkout, orders, accounts), each deployed and scaled on its own;
 * - stage 12 (3.12): the shared functions (users and sign-in, orders with payment, the cart)
 *   become services of their own, which the storefront calls remotely, with timeouts,
 *   retries and circuit breakers, through its gateway module;
 * - stage 13 (3.13): one gateway, the only entry, presents the whole API and translates the
 *   services' errors; the catalog becomes a service too, and the services are reached only
 *   through the gateway.
 */
export function shopApps(stage: number): Record<string, ShopApp> {
    if (switchedOn(stage, "serviceBus")) {
        return {
            app: { modules: ["gateway", "web"], reachedBy: "entry" },
            catalog: { modules: ["catalog", "search", "comments"], reachedBy: "service" },
            ...sharedServices,
        };
    }
    if (switchedOn(stage, "sharedServices"))
        return { app: { modules: ["gateway", "web", "catalog", "search", "comments"], reachedBy: "entry" }, ...sharedServices };
    if (switchedOn(stage, "splitApps")) {
        return {
            app: { modules: ["web", "catalog", "search", "comments"], reachedBy: "entry" },
            trade: { modules: ["cart", "orders", "payments", "users"], reachedBy: "paths" },
        };
    }
    return { app: { modules: allModules, reachedBy: "entry" } };
}

const sharedServices: Record<string, ShopApp> = {
    users: { modules: ["users"], reachedBy: "service" },
    orders: { modules: ["orders", "payments"], reachedBy: "service" },
    cart: { modules: ["cart"], reachedBy: "service" },
};

/**
 * The ALB path patterns of a module's API: the routes the shop's gateway forwards and the
 * module's internal routes (app/src/gateway/routes.ts), with `:id` as `*`. More specific patterns first.
 */
export function modulePathPatterns(module: Module): string[] {
    const paths = [...(moduleRoutes[module] ?? []), ...(internalRoutes[module] ?? [])].map(([, url]) => url.replace(/:[a-zA-Z]+/g, "*"));
    return [...new Set(paths)].sort((a, b) => b.length - a.length);
}

/** The modules of these apps that have an API (the routes the gateway forwards), with the app serving each. */
export function routedModules(apps: [string, ShopApp][]): [string, Module][] {
    return apps.flatMap(([key, app]) => app.modules.filter((m) => modulePathPatterns(m).length > 0).map((m) => [key, m] as [string, Module]));
}

/**
 * The apps that reserve stock or read products through the catalog's API because they serve
 * orders, the cart or comments without owning the catalog (the shop refuses to start so without
 * SHOP_SERVICE_URL_CATALOG), with the key of the app that serves the catalog.
 */
export function catalogCallers(apps: [string, ShopApp][]): { callers: string[]; catalogApp?: string } {
    const catalogApp = apps.find(([, app]) => app.modules.includes("catalog"))?.[0];
    const callers = apps
        .filter(([, app]) => !app.modules.includes("catalog") && app.modules.some((m) => m === "orders" || m === "cart" || m === "comments"))
        .map(([key]) => key);
    return { callers, catalogApp };
}

/**
 * The SHOP_SERVICE_URL_<MODULE> an app's processes are given, each module's the URL of the app
 * that serves it (`urlOf`, by app key): the gateway's for every module the services serve, the
 * catalog's for the apps that reserve stock or read products through it (catalogCallers), and
 * the storefront's for the modules of its pages that its app does not serve, which it then reaches
 * through their services instead of their databases (app/src/db/ownership.ts, storefrontRemote).
 * The stacks and the lab build each app's environment from it.
 */
export function serviceUrlsFor<T>(apps: [string, ShopApp][], key: string, urlOf: (app: string) => T): Record<string, T> {
    const app = apps.find(([k]) => k === key)?.[1];
    if (!app) throw new Error(`no app ${key} in this layout (${apps.map(([k]) => k).join(", ")})`);
    const needed = new Set<Module>();
    if (app.modules.includes("gateway")) for (const [, module] of routedModules(apps.filter(([, a]) => a.reachedBy === "service"))) needed.add(module);
    if (catalogCallers(apps).callers.includes(key)) needed.add("catalog");
    if (app.modules.includes("web")) for (const module of storefrontModules) needed.add(module);
    const servedBy = (module: Module) => apps.find(([, a]) => a.modules.includes(module))?.[0];
    return Object.fromEntries(
        [...needed]
            .filter((module) => !app.modules.includes(module) && servedBy(module) !== undefined)
            .map((module) => [`SHOP_SERVICE_URL_${module.toUpperCase()}`, urlOf(servedBy(module)!)]),
    );
}
