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
    // The storefront renders every domain's pages from the modules' classes, in process.
    web: ["catalog", "orders", "users", "comments"],
    gateway: [],
};

/** The domains whose data a process serving `modules` opens. */
export function domainsOf(modules: readonly Module[], options: { redis: boolean }): SchemaDomain[] {
    const needed = new Set(modules.flatMap((m) => owned[m]));
    if (modules.includes("cart") && !options.redis) needed.add("orders");
    return schemaDomains.filter((d) => needed.has(d));
}
