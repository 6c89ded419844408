/**
 * Nothing crosses a domain in SQL: every table a module's statements name belongs to the domain
 * that owns the module (src/db/ownership.ts), read from the migrations that create the tables.
 * The roles enforce it in the databases (boundaries.test.ts); this finds the crossing in the code.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SchemaDomain, tablesOf } from "../src/db/migrations";
import { schemaDomains } from "../src/db/ownership";

const src = path.resolve(__dirname, "..", "src");

/** The domain whose tables each module's code may name; the storefront and the gateway name none. */
const domainOfDirectory: Record<string, SchemaDomain | undefined> = {
    "modules/catalog": "catalog",
    "modules/search": "catalog",
    "modules/orders": "orders",
    // Carts without Redis are kept in the orders database.
    "modules/cart": "orders",
    "modules/users": "users",
    "modules/comments": "comments",
    "modules/web": undefined,
    gateway: undefined,
    http: undefined,
    web: undefined,
};

const owner = new Map(schemaDomains.flatMap((domain) => tablesOf(domain).map((table) => [table, domain] as const)));

/** The known tables a source file's SQL names after FROM, JOIN, INTO, UPDATE or TABLE. */
function tablesNamed(source: string): string[] {
    const named = [...source.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_][a-z0-9_]*)/g)].map((m) => m[1]);
    return [...new Set(named.filter((t) => owner.has(t)))].sort();
}

function files(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? files(full) : entry.name.endsWith(".ts") ? [full] : [];
    });
}

describe("SQL within its domain", () => {
    it("knows every domain's tables from the migrations", () => {
        expect(tablesOf("catalog")).toEqual(["categories", "products", "stock_reservations", "search_outbox"]);
        expect(tablesOf("orders")).toEqual(["cart_items", "orders", "order_items", "payment_keys", "payments", "payments_default", "leases"]);
        expect(tablesOf("users")).toEqual(["users", "sessions"]);
        expect(tablesOf("comments")).toEqual(["comments"]);
    });

    it("finds the tables a statement names", () => {
        expect(tablesNamed('"UPDATE products SET stock = stock - $2 WHERE id = $1"')).toEqual(["products"]);
        expect(tablesNamed("`SELECT p.id FROM products p JOIN categories c ON c.id = p.category_id`")).toEqual(["categories", "products"]);
        expect(tablesNamed('"INSERT INTO stock_reservations (order_key) VALUES ($1)"')).toEqual(["stock_reservations"]);
    });

    it("lets no module's SQL name another domain's table", () => {
        const crossings: string[] = [];
        const seen = new Map<string, string[]>();
        for (const [dir, domain] of Object.entries(domainOfDirectory)) {
            for (const file of files(path.join(src, dir))) {
                const tables = tablesNamed(fs.readFileSync(file, "utf8"));
                seen.set(path.relative(src, file), tables);
                for (const table of tables) if (owner.get(table) !== domain) crossings.push(`${path.relative(src, file)}: ${table} (${owner.get(table)})`);
            }
        }
        expect(crossings).toEqual([]);
        // The scan reads the modules' statements: the checkout's own tables, the catalog's stock.
        expect(seen.get("modules/orders/orders.ts")).toEqual(["order_items", "orders"]);
        expect(seen.get("modules/catalog/stock.ts")).toEqual(["products", "stock_reservations"]);
    });
});
