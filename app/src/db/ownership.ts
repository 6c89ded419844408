/**
 * Which data each module owns (docs/decisions.md, "Ownership of data"): the catalog with stock,
 * search and media; orders with payments; users; comments. A process opens, migrates and seeds
 * only the domains of its SHOP_MODULES; Redis (cache, sessions, carts) is shared by all.
 */
import type { Module } from "../config";

// Kept free of the database code: the stacks read the ownership too, through config.ts.
export const schemaDomains = ["catalog", "orders", "users", "comments"] as const;
export type SchemaDomain = (typeof schemaDomains)[number];

const owned: Record<Module, SchemaDomain[]> = {
    catalog: ["catalog"],
    search: ["catalog"],
    orders: ["orders"],
    payments: ["orders"],
    users: ["users"],
    comments: ["comments"],
    // Carts live in Redis; without it, in the orders database.
    cart: [],
    // The storefront reads the domains of its pages in process only where it knows no service for them (storefrontRemote).
    web: [],
    gateway: [],
};

/** The modules whose data the storefront's pages show: in process, or through their services. */
export const storefrontModules = ["catalog", "search", "comments", "orders", "users"] as const satisfies Module[];
export type StorefrontModule = (typeof storefrontModules)[number];

/** The storefront's modules a process serving `modules` reaches through their services: those it does not serve and has a service URL for. */
export function storefrontRemote(modules: readonly Module[], serviceUrls: Partial<Record<Module, string>>): StorefrontModule[] {
    if (!modules.includes("web")) return [];
    return storefrontModules.filter((m) => !modules.includes(m) && serviceUrls[m] !== undefined);
}

/**
 * The domains whose data a process serving `modules` opens. The storefront opens those of
 * its pages' modules that it neither serves nor reaches through a service (`serviceUrls`).
 */
export function domainsOf(modules: readonly Module[], options: { redis: boolean; serviceUrls?: Partial<Record<Module, string>> }): SchemaDomain[] {
    const needed = new Set(modules.flatMap((m) => owned[m]));
    if (modules.includes("web")) {
        const remote = storefrontRemote(modules, options.serviceUrls ?? {});
        for (const m of storefrontModules) if (!remote.includes(m)) for (const d of owned[m]) needed.add(d);
        // Without Redis, sessions live in the users database and carts in the orders database.
        if (!options.redis) ["users", "orders"].forEach((d) => needed.add(d as SchemaDomain));
    }
    if (modules.includes("cart") && !options.redis) needed.add("orders");
    return schemaDomains.filter((d) => needed.has(d));
}
