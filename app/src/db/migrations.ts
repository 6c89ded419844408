/**
 * Versioned schema, one list per business domain. Domains never reference each other's
 * tables (no foreign keys or joins across them), so each can move to a database of its
 * own (stage 6) and comments to shards (stage 7) without a rewrite. Append new versions;
 * never edit an applied one.
 */
import { Database } from "./database";
import { SchemaDomain } from "./ownership";

export type { SchemaDomain };

export interface Migration {
    version: number;
    name: string;
    sql: string;
}

export const migrations: Record<SchemaDomain, Migration[]> = {
    catalog: [
        {
            version: 1,
            name: "categories, products, stock reservations",
            sql: `
CREATE TABLE categories (
    id serial PRIMARY KEY,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    description text NOT NULL
);
CREATE TABLE products (
    id serial PRIMARY KEY,
    category_id integer NOT NULL REFERENCES categories,
    sku text NOT NULL UNIQUE,
    name text NOT NULL,
    description text NOT NULL,
    price_cents integer NOT NULL CHECK (price_cents > 0),
    stock integer NOT NULL CHECK (stock >= 0),
    hue integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    search tsvector GENERATED ALWAYS AS (to_tsvector('english', name || ' ' || description)) STORED
);
CREATE INDEX products_by_category ON products (category_id, id);
CREATE INDEX products_search ON products USING gin (search);
-- Stock taken for an order, once: a retried checkout finds its reservation and takes nothing more.
CREATE TABLE stock_reservations (
    order_key text NOT NULL,
    product_id integer NOT NULL REFERENCES products,
    quantity integer NOT NULL CHECK (quantity > 0),
    reserved_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_key, product_id)
);`,
        },
        {
            version: 2,
            name: "search: trigram matching, product versions, the outbox of product changes",
            sql: `
-- Trigram matching for search that forgives typos and finds parts of words (PGlite ships it too).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX products_name_trigrams ON products USING gin (lower(name) gin_trgm_ops);
CREATE INDEX products_sku_lower ON products (lower(sku));
-- Every change of a product raises its version: the search index keeps the highest it has seen.
ALTER TABLE products ADD COLUMN version bigint NOT NULL DEFAULT 1;
CREATE FUNCTION products_next_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.version := OLD.version + 1; NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TRIGGER products_next_version BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION products_next_version();
-- The outbox: every product change (stock, price, a new product) leaves a row in the same transaction,
-- whichever code made it; each instance's relay leases rows and sends them to the search index.
CREATE TABLE search_outbox (
    id bigserial PRIMARY KEY,
    product_id integer NOT NULL,
    version bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    not_before timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_outbox_due ON search_outbox (not_before, id);
CREATE FUNCTION products_to_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO search_outbox (product_id, version) VALUES (NEW.id, NEW.version); RETURN NULL; END $$;
CREATE TRIGGER products_to_outbox AFTER INSERT OR UPDATE ON products FOR EACH ROW EXECUTE FUNCTION products_to_outbox();`,
        },
    ],
    users: [
        {
            version: 1,
            name: "users and sessions",
            sql: `
CREATE TABLE users (
    id serial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sessions (
    id text PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);`,
        },
    ],
    orders: [
        {
            version: 1,
            name: "carts, orders, payments",
            sql: `
CREATE TABLE cart_items (
    session_id text NOT NULL,
    product_id integer NOT NULL,
    quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, product_id)
);
CREATE TABLE orders (
    id serial PRIMARY KEY,
    user_id integer NOT NULL,
    idempotency_key text NOT NULL,
    status text NOT NULL CHECK (status IN ('reserving', 'paid', 'rejected', 'payment_failed')),
    total_cents integer NOT NULL CHECK (total_cents >= 0),
    problem text,
    payment_ref text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX orders_by_user ON orders (user_id, id DESC);
CREATE TABLE order_items (
    order_id integer NOT NULL REFERENCES orders ON DELETE CASCADE,
    product_id integer NOT NULL,
    name text NOT NULL,
    unit_price_cents integer NOT NULL CHECK (unit_price_cents > 0),
    quantity integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, product_id)
);
-- The payment provider's ledger, keyed by the charge's idempotency key: one charge per order, ever.
CREATE TABLE payment_charges (
    idempotency_key text PRIMARY KEY,
    order_id integer NOT NULL UNIQUE REFERENCES orders,
    amount_cents integer NOT NULL,
    approved boolean NOT NULL,
    charged_at timestamptz NOT NULL DEFAULT now()
);`,
        },
        {
            version: 2,
            name: "payments partitioned by month",
            sql: `
-- One row per charge key, ever: the idempotency guard, which a partitioned table cannot hold
-- (its unique keys must include the partition key).
CREATE TABLE payment_keys (
    idempotency_key text PRIMARY KEY,
    order_id integer NOT NULL UNIQUE REFERENCES orders,
    charged_at timestamptz NOT NULL
);
-- The charges, by month: old months can be detached and archived without touching new ones.
CREATE TABLE payments (
    idempotency_key text NOT NULL,
    order_id integer NOT NULL,
    amount_cents integer NOT NULL,
    approved boolean NOT NULL,
    charged_at timestamptz NOT NULL,
    PRIMARY KEY (idempotency_key, charged_at)
) PARTITION BY RANGE (charged_at);
CREATE INDEX payments_by_order ON payments (order_id);
-- Catches a month whose partition is missing; payment-partitions.ts moves such rows out.
CREATE TABLE payments_default PARTITION OF payments DEFAULT;
INSERT INTO payment_keys (idempotency_key, order_id, charged_at) SELECT idempotency_key, order_id, charged_at FROM payment_charges;
INSERT INTO payments (idempotency_key, order_id, amount_cents, approved, charged_at) SELECT idempotency_key, order_id, amount_cents, approved, charged_at FROM payment_charges;
DROP TABLE payment_charges;`,
        },
        {
            version: 3,
            name: "shipping addresses, leases",
            sql: `
-- The address an order ships to (orders placed before it have none).
ALTER TABLE orders ADD COLUMN shipping_address jsonb;
CREATE INDEX orders_reserving ON orders (updated_at) WHERE status = 'reserving';
-- A job that one instance at a time should run (the checkout sweeper): held until expires_at.
CREATE TABLE leases (
    name text PRIMARY KEY,
    holder text NOT NULL,
    expires_at timestamptz NOT NULL
);`,
        },
    ],
    comments: [
        {
            version: 1,
            name: "product comments",
            sql: `
CREATE TABLE comments (
    id bigserial PRIMARY KEY,
    product_id integer NOT NULL,
    user_id integer,
    author_name text NOT NULL,
    rating integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_by_product ON comments (product_id, created_at DESC);
CREATE INDEX comments_latest ON comments (created_at DESC);`,
        },
    ],
};

/** Key of the advisory lock under which migrations run: several instances may start at once. */
export const migrationLockKey = 7_300_417;

/** Applies the domain's missing migrations, each in a transaction, under the advisory lock. Returns the versions applied. */
export async function migrate(db: Database, domain: SchemaDomain): Promise<number[]> {
    return db.withAdvisoryLock(migrationLockKey, async () => {
        await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
            domain text NOT NULL,
            version integer NOT NULL,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (domain, version)
        )`);
        const applied = new Set(
            (await db.query<{ version: number }>("SELECT version FROM schema_migrations WHERE domain = $1", [domain])).rows.map((r) => r.version),
        );
        const done: number[] = [];
        for (const migration of migrations[domain]) {
            if (applied.has(migration.version)) continue;
            await db.transaction(async (tx) => {
                for (const statement of splitStatements(migration.sql)) await tx.query(statement);
                await tx.query("INSERT INTO schema_migrations (domain, version, name) VALUES ($1, $2, $3)", [domain, migration.version, migration.name]);
            });
            done.push(migration.version);
        }
        return done;
    });
}

/** The newest version of a domain's schema that this code knows. */
export function expectedVersion(domain: SchemaDomain): number {
    return Math.max(...migrations[domain].map((m) => m.version));
}

/**
 * Why the domain's schema is not yet what this code expects (SHOP_MIGRATIONS=external: the
 * migration function runs them), or undefined when it is. Reads only `schema_migrations`.
 */
export async function schemaProblem(db: Database, domain: SchemaDomain): Promise<string | undefined> {
    const want = expectedVersion(domain);
    let have = 0;
    try {
        const { rows } = await db.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations WHERE domain = $1", [domain]);
        have = Number(rows[0].v ?? 0);
    } catch (err) {
        // 42P01: no schema_migrations at all, nothing migrated yet.
        if ((err as { code?: string }).code !== "42P01") throw err;
    }
    return have >= want ? undefined : `the ${domain} schema is at version ${have}, this code needs ${want}: the migrations have not run yet`;
}

/** The tables a domain's migrations create: what its application role may use. */
export function tablesOf(domain: SchemaDomain): string[] {
    const created = migrations[domain].flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (\w+)/g)].map((match) => match[1]));
    const dropped = new Set(migrations[domain].flatMap((m) => [...m.sql.matchAll(/DROP TABLE (\w+)/g)].map((match) => match[1])));
    return created.filter((t) => !dropped.has(t));
}

/** Splits a migration into statements (they hold no semicolons inside literals). */
function splitStatements(sql: string): string[] {
    return sql
        .split(/;\s*(?:\n|$)/)
        .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
        .filter(Boolean);
}
