/**
 * One interface over the two ways the shop reaches PostgreSQL: node-postgres pools against
 * real servers, and PGlite (PostgreSQL compiled to WebAssembly, in process) as the embedded
 * default. The same SQL and the same migrations run on both.
 */
import { PGlite, Transaction } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { Pool, PoolClient } from "pg";

export interface QueryResult<T> {
    rows: T[];
    rowCount: number;
}

export interface Queryable {
    query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

/** Reads that a replica may answer (stage 5): see replicated-database.ts. */
export interface Readable {
    /** Like `query`, for a read that a reader may serve, as fresh as this request's own writes. */
    read<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Database extends Queryable, Readable {
    readonly kind: "postgres" | "pglite" | "replicated";
    /** A label for logs and errors: host/database, never credentials. */
    readonly label: string;
    /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
    transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
    /** Runs several statements, such as a migration (no parameters). */
    exec(sql: string): Promise<void>;
    /** Runs `work` holding a PostgreSQL advisory lock, so that one process at a time does it. */
    withAdvisoryLock<T>(key: number, work: () => Promise<T>): Promise<T>;
    close(): Promise<void>;
}

export interface PostgresOptions {
    url: string;
    /** Overrides the URL's password: secrets come in their own variable, never inside URLs. */
    password?: string;
    /** Connections in the pool. @default 10 */
    poolSize?: number;
    /** Milliseconds before a statement is cancelled. @default 10000 */
    statementTimeoutMs?: number;
}

export function postgresDatabase(options: PostgresOptions): Database {
    const parsed = new URL(options.url);
    // node-postgres lets the connection string's (empty) password win over a `password` option,
    // so the secret joins the URL here, in memory only.
    const withPassword = new URL(options.url);
    if (options.password !== undefined) withPassword.password = encodeURIComponent(options.password);
    const pool = new Pool({
        connectionString: withPassword.href,
        max: options.poolSize ?? 10,
        statement_timeout: options.statementTimeoutMs ?? 10_000,
        connectionTimeoutMillis: 5_000,
        idleTimeoutMillis: 30_000,
    });
    // An idle client's error (a server restart) must not crash the process; the pool replaces the client.
    pool.on("error", () => undefined);
    const label = `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
    const withClient = async <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => {
        const client = await pool.connect();
        try {
            return await work(client);
        } finally {
            client.release();
        }
    };
    async function query<T>(sql: string, params: unknown[] = []) {
        const result = await pool.query(sql, params);
        return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    }
    return {
        kind: "postgres",
        label,
        query,
        read: query,
        transaction: (work) =>
            withClient(async (client) => {
                await client.query("BEGIN");
                try {
                    const result = await work({
                        async query<R>(sql: string, params: unknown[] = []) {
                            const r = await client.query(sql, params);
                            return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
                        },
                    });
                    await client.query("COMMIT");
                    return result;
                } catch (err) {
                    await client.query("ROLLBACK").catch(() => undefined);
                    throw err;
                }
            }),
        exec: (sql) => withClient(async (client) => void (await client.query(sql))),
        withAdvisoryLock: (key, work) =>
            withClient(async (client) => {
                await client.query("SELECT pg_advisory_lock($1)", [key]);
                try {
                    return await work();
                } finally {
                    await client.query("SELECT pg_advisory_unlock($1)", [key]);
                }
            }),
        close: () => pool.end(),
    };
}

/** The embedded default: PGlite in memory, or in `dataDir` so that the shop keeps its data across restarts. */
export async function pgliteDatabase(dataDir?: string): Promise<Database> {
    const db = await PGlite.create(dataDir, { extensions: { pg_trgm } });
    const wrap = (target: PGlite | Transaction): Queryable => ({
        async query<T>(sql: string, params: unknown[] = []) {
            const result = await target.query<T>(sql, params);
            return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
        },
    });
    let lock = Promise.resolve();
    return {
        kind: "pglite",
        label: dataDir ? `pglite:${dataDir}` : "pglite:memory",
        ...wrap(db),
        read: wrap(db).query,
        transaction: (work) => db.transaction((tx) => work(wrap(tx))),
        exec: async (sql) => void (await db.exec(sql)),
        // One process owns an embedded database: an in-process queue is the whole lock.
        withAdvisoryLock: <T>(_key: number, work: () => Promise<T>) => {
            const run = lock.then(work);
            lock = run.then(
                () => undefined,
                () => undefined,
            );
            return run;
        },
        close: () => db.close(),
    };
}
