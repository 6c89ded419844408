/**
 * One interface over the two ways the shop reaches PostgreSQL: node-postgres pools against
 * real servers, and PGlite (PostgreSQL compiled to WebAssembly, in process) as the embedded
 * default. The same SQL and the same migrations run on both.
 */
import { PGlite, Transaction } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { Pool, PoolClient } from "pg";
import { Unavailable } from "../http/unavailable";
import { createInMemory } from "./pglite-fresh-cluster";

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

// SQLSTATE classes of a database that cannot serve now, rather than of a wrong statement:
// connection exceptions (08), transaction rollbacks such as deadlocks (40), insufficient
// resources such as "too many clients" (53), operator intervention such as a shutdown or a
// statement timeout (57), system errors (58).
const transientClasses = new Set(["08", "40", "53", "57", "58"]);

/** A failure of the database server or the way to it (no SQLSTATE: a refused, reset or timed-out connection). */
export function isDatabaseOutage(err: unknown): boolean {
    if (!(err instanceof Error)) return false;
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return transientClasses.has(code.slice(0, 2));
    return (
        (typeof code === "string" && /^E[A-Z]+$/.test(code)) ||
        /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i.test(err.message)
    );
}

/** An outage becomes the clean 503 that names the database; a wrong statement stays what it is. */
function translated(err: unknown): unknown {
    return isDatabaseOutage(err) ? new Unavailable("the database", { cause: err }) : err;
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
        const client = await pool.connect().catch((err: unknown) => Promise.reject(translated(err)));
        // A connection the server ends between two statements (a restart) emits an error on the client;
        // with no listener that would end the process. The next statement fails, and is answered as an outage.
        const ended = () => undefined;
        client.on("error", ended);
        let failure: unknown;
        try {
            return await work(client);
        } catch (err) {
            failure = err;
            throw translated(err);
        } finally {
            client.off("error", ended);
            // A connection that failed goes, rather than back to the pool for the next request to find broken.
            client.release(isDatabaseOutage(failure) ? (failure as Error) : undefined);
        }
    };
    async function query<T>(sql: string, params: unknown[] = []) {
        try {
            const result = await pool.query(sql, params);
            return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
        } catch (err) {
            throw translated(err);
        }
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
    // In memory, from the fresh cluster an earlier start kept (a data directory keeps its own cluster).
    const db = dataDir === undefined ? await createInMemory({ extensions: { pg_trgm } }) : await PGlite.create(dataDir, { extensions: { pg_trgm } });
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
