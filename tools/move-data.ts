/**
 * Carries the shop's data across the stage transitions that move it, with PostgreSQL's own
 * pg_dump, pg_restore and psql: the same command against the lab's servers and against
 * Aurora, from a machine in the VPC. Run it while no shop writes to the source (stop the old
 * fleet or server first), before or after the new stage's shop first started on the targets:
 * what it copies replaces what the targets hold of those tables (a seeded catalog, say). The
 * source is left as it was, as a way back.
 *
 *   npm run move-data -- --step 1-2 --source <url> --target <url>
 *       the whole database: stage 1's PostgreSQL on the server into the separate database
 *   npm run move-data -- --step 5-6 --source <url> --catalog <url> --users <url>
 *       the catalog (with its comments) and the accounts out of the orders database
 *   npm run move-data -- --step 6-7 --source <url> --shards <url>,<url>,...
 *       the comments of the catalog database onto their shards, shard = FNV-1a(product id) mod count
 *
 * URLs are libpq's (postgres://user@host:port/db?sslmode=verify-full&sslrootcert=...);
 * passwords come from the URL, PGPASSWORD or ~/.pgpass. `--pg-bin DIR` names the client
 * tools (default: Debian's newest PostgreSQL, else the PATH's); pg_dump must be no older than
 * the source server. Exit status: 0 moved, 1 a fault, 2 bad usage (one line per problem).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { migrations, SchemaDomain } from "../app/src/db/migrations";
import { shardOf } from "../app/src/db/shard";

export type Step = "1-2" | "5-6" | "6-7";
export const steps: Step[] = ["1-2", "5-6", "6-7"];

export interface Move {
    step: Step;
    source: string;
    target?: string;
    catalog?: string;
    users?: string;
    shards?: string[];
    pgBin?: string;
}

/** The tables a domain's migrations create (a partition, `CREATE TABLE x PARTITION OF y`, comes with its table). */
export function tablesOf(domain: SchemaDomain): string[] {
    const sql = migrations[domain].map((m) => m.sql).join("\n");
    return [...sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?(\w+)\s*\(/g)].map((m) => m[1]);
}

/** Every problem with a move's arguments; empty when it can run. */
export function moveProblems(move: Partial<Move>): string[] {
    const problems: string[] = [];
    if (!move.step || !steps.includes(move.step)) problems.push(`--step must be one of ${steps.join(", ")} (got ${JSON.stringify(move.step ?? "")})`);
    if (!move.source) problems.push("--source is required: the database the data is in");
    const needs: Record<Step, (keyof Move)[]> = { "1-2": ["target"], "5-6": ["catalog", "users"], "6-7": ["shards"] };
    for (const key of move.step && steps.includes(move.step) ? needs[move.step] : [])
        if (!move[key]) problems.push(`--${key} is required for step ${move.step}`);
    if (move.shards && move.shards.length < 2) problems.push("--shards must list every shard, at least two, in shard order");
    for (const url of [move.source, move.target, move.catalog, move.users, ...(move.shards ?? [])])
        if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) problems.push(`${JSON.stringify(url)} is not a postgres:// URL`);
    return problems;
}

/** Runs a move; resolves with one line per table of what it copied. */
export async function moveData(move: Move): Promise<string[]> {
    const bin = clientTools(move.pgBin);
    checkDumpVersion(bin, move.source);
    const report: string[] = [];
    if (move.step === "1-2") {
        await pipe(bin, ["pg_dump", "--format=custom", "--no-owner", "--no-acl", move.source], restoreArgs(move.target!));
        report.push(`every table -> ${redact(move.target!)}`);
    }
    // pg_dump -t leaves out the extensions the tables use (pg_trgm's operator classes): made first in every target.
    const extensions = psql(bin, move.source, "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1;").split("\n").filter(Boolean);
    const withExtensions = (target: string) =>
        extensions.length > 0 && psql(bin, target, extensions.map((name) => `CREATE EXTENSION IF NOT EXISTS "${name}";`).join("\n"));
    if (move.step === "5-6") {
        for (const [target, domains] of [
            [move.catalog!, ["catalog", "comments"]],
            [move.users!, ["users"]],
        ] as [string, SchemaDomain[]][]) {
            const tables = domains.flatMap(tablesOf).filter((t) => existsIn(bin, move.source, t));
            const others = (["catalog", "comments", "users", "orders"] as SchemaDomain[]).filter((d) => !domains.includes(d)).flatMap(tablesOf);
            // The whole schema first (functions and triggers belong to no table that -t could name), then the domains' rows;
            // the other domains' tables go again, and their migration history with them.
            await pipe(bin, ["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--schema-only", move.source], restoreArgs(target));
            // The rows arrive as they were: the tables' own triggers (the search outbox's) stay off meanwhile; the owner may switch them.
            psql(bin, target, tables.map((t) => `ALTER TABLE ${t} DISABLE TRIGGER USER;`).join("\n"));
            await pipe(
                bin,
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-acl",
                    "--data-only",
                    ...tables.flatMap((t) => ["-t", t]),
                    "-t",
                    "schema_migrations",
                    move.source,
                ],
                ["pg_restore", "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error", "-d", target],
            );
            psql(
                bin,
                target,
                `BEGIN; ${tables.map((t) => `ALTER TABLE ${t} ENABLE TRIGGER USER;`).join(" ")} DROP TABLE IF EXISTS ${others.join(", ")} CASCADE; DELETE FROM schema_migrations WHERE domain NOT IN (${domains.map((d) => `'${d}'`).join(", ")}); COMMIT;`,
            );
            report.push(`${tables.join(", ")} -> ${redact(target)}`);
        }
    }
    if (move.step === "6-7") {
        const shards = move.shards!;
        const products = psql(bin, move.source, "SELECT DISTINCT product_id FROM comments ORDER BY 1;").split("\n").filter(Boolean).map(Number);
        for (const [index, target] of shards.entries()) {
            withExtensions(target);
            await pipe(
                bin,
                ["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--schema-only", "-t", "comments", "-t", "schema_migrations", move.source],
                restoreArgs(target),
            );
            const mine = products.filter((id) => shardOf(id, shards.length) === index);
            const rows = `SELECT * FROM comments WHERE product_id = ANY('{${mine.join(",")}}'::int[])`;
            await pipe(
                bin,
                ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-q", "-c", `\\copy (${rows}) TO STDOUT`, move.source],
                ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-q", "-c", "\\copy comments FROM STDIN", target],
            );
            await pipe(
                bin,
                [
                    "psql",
                    "-X",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-q",
                    "-c",
                    "\\copy (SELECT * FROM schema_migrations WHERE domain = 'comments') TO STDOUT",
                    move.source,
                ],
                ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-q", "-c", "\\copy schema_migrations FROM STDIN", target],
            );
            const count = psql(
                bin,
                target,
                "SELECT setval(pg_get_serial_sequence('comments', 'id'), greatest(coalesce(max(id), 0), 1)) FROM comments; SELECT count(*) FROM comments;",
            ).split("\n")[1];
            report.push(`comments of ${mine.length} products (${count} rows) -> shard ${index}, ${redact(target)}`);
        }
    }
    return report;
}

function restoreArgs(target: string): string[] {
    // One transaction: the target holds all of it or none. --clean replaces what a first start of the new stage seeded.
    return ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error", "-d", target];
}

/** The client tools' directory: `--pg-bin`, else Debian's newest PostgreSQL, else the PATH. */
function clientTools(pgBin?: string): (tool: string) => string {
    const root = "/usr/lib/postgresql";
    const debian = fs.existsSync(root)
        ? fs
              .readdirSync(root)
              .filter((v) => fs.existsSync(path.join(root, v, "bin", "pg_dump")))
              .sort((a, b) => Number(b) - Number(a))[0]
        : undefined;
    const dir = pgBin ?? (debian ? path.join(root, debian, "bin") : undefined);
    return (tool) => (dir ? path.join(dir, tool) : tool);
}

/** pg_dump refuses (or silently misses) what a newer server has: name the versions before anything runs. */
function checkDumpVersion(bin: (tool: string) => string, source: string): void {
    const dump = spawnSync(bin("pg_dump"), ["--version"], { encoding: "utf8" });
    if (dump.error || dump.status !== 0)
        throw new Error(`pg_dump is not installed (${bin("pg_dump")}): apt-get install postgresql-client, or name the tools with --pg-bin`);
    const client = Number(dump.stdout.match(/(\d+)(?:\.\d+)?/)?.[1]);
    const server = Math.floor(Number(psql(bin, source, "SHOW server_version_num;")) / 10000);
    if (client < server)
        throw new Error(`pg_dump ${client} is older than the source server (PostgreSQL ${server}): use a pg_dump ${server} or newer (--pg-bin)`);
}

function existsIn(bin: (tool: string) => string, url: string, table: string): boolean {
    return psql(bin, url, `SELECT to_regclass('public.${table}') IS NOT NULL;`) === "t";
}

function psql(bin: (tool: string) => string, url: string, sql: string): string {
    const result = spawnSync(bin("psql"), ["-X", "-v", "ON_ERROR_STOP=1", "-qAt", "-d", url], { input: sql, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`psql on ${redact(url)} failed: ${result.stderr || result.error?.message}`);
    return result.stdout.trim();
}

/** Runs `from | to` (each a tool and its arguments), failing with the stderr of whichever failed. */
async function pipe(bin: (tool: string) => string, from: string[], to: string[]): Promise<void> {
    const producer = spawn(bin(from[0]), from.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    const consumer = spawn(bin(to[0]), to.slice(1), { stdio: ["pipe", "ignore", "pipe"] });
    producer.stdout.pipe(consumer.stdin);
    const done = (child: typeof producer | typeof consumer, name: string) =>
        new Promise<void>((resolve, reject) => {
            let stderr = "";
            child.stderr!.on("data", (chunk) => (stderr += chunk));
            child.on("error", (err) => reject(new Error(`${name} could not start: ${err.message}`)));
            child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${name} failed (status ${code}): ${redact(stderr.trim())}`))));
        });
    await Promise.all([done(producer, from[0]), done(consumer, to[0])]);
}

/** A URL without its password, for messages. */
function redact(text: string): string {
    return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+):[^@\s]+@/g, "$1:***@");
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            step: { type: "string" },
            source: { type: "string" },
            target: { type: "string" },
            catalog: { type: "string" },
            users: { type: "string" },
            shards: { type: "string" },
            "pg-bin": { type: "string" },
        },
        strict: true,
    });
    const move = { ...values, step: values.step as Step, shards: values.shards?.split(",").filter(Boolean), pgBin: values["pg-bin"] };
    const problems = moveProblems(move);
    if (problems.length > 0) {
        for (const p of problems) console.error(`move-data: ${p}`);
        process.exit(2);
    }
    for (const line of await moveData(move as Move)) console.log(`moved: ${line}`);
}

if (require.main === module)
    main().catch((err: Error) => {
        console.error(`move-data: ${err.message}`);
        process.exit((err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? 2 : 1);
    });
