import { Module } from "../app/src/config";
import { switchedOn } from "./registry";

/**
 * Who owns which data (docs/decisions.md, "Ownership of data"), declared once: the catalog owns
 * products, stock, search and media; the orders own orders and payments; the users their
 * accounts; the comments the reviews. Redis, the session key and the runtime settings are
 * `shared`: every process of the stack has them.
 */
export const dataDomains = ["catalog", "orders", "users", "comments"] as const;
export type DataDomain = (typeof dataDomains)[number];
/**
 * What a stage step's wiring belongs to: one domain's data, what every process shares, or the
 * product pictures the storefront's pages link to (`pictures`: the media bucket, read only; its
 * pages are public, and a page's picture URLs are presigned by the process that renders it).
 */
export type WiringDomain = DataDomain | "shared" | "pictures";

/** The domain whose data each module of the shop reads and writes; none for the modules that keep only shared state (the cart in Redis) or none. */
const moduleDomain: Record<Module, DataDomain | undefined> = {
    catalog: "catalog",
    search: "catalog",
    orders: "orders",
    payments: "orders",
    users: "users",
    comments: "comments",
    cart: undefined,
    web: undefined,
    gateway: undefined,
};

/**
 * The data domains a process serving these modules owns. The storefront (`web`) owns none: the
 * modules of its pages that its app does not serve it reaches through their services, whose
 * URLs the stacks give it (service-layout.ts, serviceUrlsFor).
 */
export function domainsOf(modules: readonly Module[]): DataDomain[] {
    return dataDomains.filter((domain) => modules.some((m) => moduleDomain[m] === domain));
}

/** The modules that work on a domain's data: the SHOP_MODULES of its migrations. */
export function modulesOf(domain: DataDomain): Module[] {
    return (Object.keys(moduleDomain) as Module[]).filter((m) => moduleDomain[m] === domain);
}

/** The databases the shop's domains live on at a stage (stage 6 moves the catalog and users out; stage 7 the comments onto shards). */
export type DomainStore = "main" | "catalog" | "users" | "shards";

/**
 * Where a domain's tables are at a stage: every domain on the first database (`shop-db`)
 * until stage 6; then the catalog and the users on their own, the comments with the catalog
 * (the shop keeps them with the catalog until it has shards), and from stage 7 on the shards.
 */
export function storeOf(domain: DataDomain, stage: number): DomainStore {
    if (!switchedOn(stage, "businessSplit")) return "main";
    if (domain === "comments") return switchedOn(stage, "tableSharding") ? "shards" : "catalog";
    return domain === "orders" ? "main" : domain;
}

/** The domains whose tables a database holds at a stage. */
export function domainsOn(store: DomainStore, stage: number): DataDomain[] {
    return dataDomains.filter((domain) => storeOf(domain, stage) === store);
}
