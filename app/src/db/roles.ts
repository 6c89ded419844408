/**
 * The application roles (docs/contracts.md, "Migration entry"): one login role per domain,
 * `shop_<domain>`, with rights on its own domain's tables and sequences only, made or updated
 * by the migration entry with the master credential after the migrations, so that tables later
 * migrations add are granted on the next run. The shop's processes sign in as these roles: a
 * process that owns the catalog cannot read `users`, nor can the orders' write `products`.
 */
import { Database } from "./database";
import { SchemaDomain, tablesOf } from "./migrations";

export const roleOf = (domain: SchemaDomain) => `shop_${domain}`;

/** Creates the role when missing and sets its password (every run: a new password version takes effect). */
export async function ensureRole(db: Database, role: string, password: string): Promise<void> {
    // Roles are the server's, not one database's: runs against several databases of one server meet the same role.
    await db.exec(`DO $$ BEGIN CREATE ROLE ${role} LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    // DDL takes no parameters: the statement is written by the server's own quoting.
    const { rows } = await db.query<{ sql: string }>("SELECT format('ALTER ROLE %I WITH LOGIN NOINHERIT PASSWORD %L', $1::text, $2::text) AS sql", [
        role,
        password,
    ]);
    await db.exec(rows[0].sql);
}

/** Grants `role` the use of `domain`'s tables and their sequences in this database, and the reading of the schema's version. */
export async function grantDomain(db: Database, role: string, domain: SchemaDomain): Promise<void> {
    const tables = tablesOf(domain);
    const { rows } = await db.query<{ sequence: string }>(
        `SELECT s.relname AS sequence FROM pg_class s
         JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
         JOIN pg_class t ON t.oid = d.refobjid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE s.relkind = 'S' AND n.nspname = 'public' AND t.relname = ANY($1::text[])`,
        [tables],
    );
    // USAGE only: from PostgreSQL 15 on, PUBLIC may not create in the schema, so the roles run no DDL.
    await db.exec(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await db.exec(`GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE ${tables.join(", ")} TO ${role}`);
    if (rows.length > 0) await db.exec(`GRANT USAGE, SELECT, UPDATE ON SEQUENCE ${rows.map((r) => r.sequence).join(", ")} TO ${role}`);
    // Readiness compares the schema's version with the code's (SHOP_MIGRATIONS=external).
    await db.exec(`GRANT SELECT ON TABLE schema_migrations TO ${role}`);
}
