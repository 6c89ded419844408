/**
 * A data-moving transition for real (`npm run lab -- --from 5 --to 6`): stage N runs and
 * takes orders, accounts and reviews through its entry; its shops stop; stage M's new
 * databases start beside the ones it keeps; the project's own command (`npm run move-data`,
 * the one the README gives a platform team) moves the data; stage M's shops start on it; and
 * every order, account, review and stock level is compared with what stage N held.
 */
import { spawn } from "node:child_process";
import { Step } from "../move-data";
import { projectRoot } from "../project-root";
import { Cluster, DataTier } from "./data-tier";
import { LabUsageError } from "./layout";
import { Lab, startStage } from "./start-stage";
import { Started } from "./started";

/** What must survive a move, each as sorted rows of text. */
export interface Holdings {
    orders: string;
    accounts: string;
    reviews: string;
    stock: string;
}

export interface TransitionResult {
    before: Holdings;
    after: Holdings;
    /** Counts of each, before. */
    counts: Record<keyof Holdings, number>;
    moved: string[];
    lab: Lab;
}

export const dataMovingSteps: Step[] = ["1-2", "5-6", "6-7"];

export async function runTransition(from: number, to: number, started: Started, log: (line: string) => void): Promise<TransitionResult> {
    const step = `${from}-${to}` as Step;
    if (!dataMovingSteps.includes(step))
        throw new LabUsageError(
            `--from ${from} --to ${to} is not a transition that moves data: give one of ${dataMovingSteps.map((s) => s.replace("-", " -> ")).join(", ")}`,
        );
    const old = await startStage(from, { started });
    log(`stage ${from} serves on ${old.entryUrl}; taking orders, accounts and reviews...`);
    await trade(old.entryUrl, 8);
    // The old stage's shops stop first: nothing may write to the source while it moves.
    await old.stopApps();
    const before = holdings(old.data);
    let moved: string[] = [];
    const lab = await startStage(to, {
        started,
        keep: kept(step, old.data),
        beforeApps: async (data) => {
            moved = await runMoveCommand(moveArgs(step, old.data, data));
            for (const line of moved) log(line);
        },
    });
    const after = holdings(lab.data);
    const counts = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v ? v.split("\n").length : 0])) as TransitionResult["counts"];
    return { before, after, counts, moved, lab };
}

/** What the next stage keeps of the old one: 1 -> 2 moves off the box (a new server); 5 -> 6 keeps the orders cluster; 6 -> 7 every domain cluster. */
function kept(step: Step, old: DataTier): Partial<DataTier> {
    if (step === "1-2") return { mediaDir: old.mediaDir };
    if (step === "5-6") return { clusters: { orders: old.clusters.orders }, redis: old.redis, mediaDir: old.mediaDir };
    return { clusters: old.clusters, redis: old.redis, mediaDir: old.mediaDir };
}

/** A superuser URL of a cluster's database (trusted on loopback) for the source; the owner's, with its password, for a target. */
const sourceUrl = (c: Cluster) => `postgres://shop@127.0.0.1:${c.server.port}/${c.database}`;
const targetUrl = (c: Cluster) => `postgres://${c.owner.user}:${c.owner.password}@127.0.0.1:${c.server.port}/${c.database}`;

function moveArgs(step: Step, old: DataTier, next: DataTier): string[] {
    const args = ["--step", step];
    if (step === "1-2") return [...args, "--source", sourceUrl(old.clusters.orders!), "--target", targetUrl(next.clusters.orders!)];
    if (step === "5-6")
        return [
            ...args,
            "--source",
            sourceUrl(old.clusters.orders!),
            "--catalog",
            targetUrl(next.clusters.catalog!),
            "--users",
            targetUrl(next.clusters.users!),
        ];
    return [...args, "--source", sourceUrl(old.clusters.catalog!), "--shards", next.shards.map(targetUrl).join(",")];
}

/** `npm run move-data -- <args>`, as a process of its own, as a platform team runs it. */
function runMoveCommand(args: string[]): Promise<string[]> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["tools/compiled.js", "tools/move-data.ts", ...args], { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (chunk) => (out += chunk));
        child.stderr.on("data", (chunk) => (err += chunk));
        child.on("close", (code) =>
            code === 0 ? resolve(out.trim().split("\n")) : reject(new Error(`npm run move-data failed (status ${code}): ${err.trim()}`)),
        );
    });
}

/** Every order, account, review and stock level, read with psql from wherever the stage keeps them. */
export function holdings(data: DataTier): Holdings {
    const { orders, catalog = orders!, users = orders! } = data.clusters;
    const read = (c: Cluster, sql: string) => c.server.psql(c.database, sql).trim();
    const reviewSql = "SELECT product_id, author_name, rating, body, created_at FROM comments";
    const reviews = (data.shards.length > 0 ? data.shards.map((s) => read(s, `${reviewSql};`)) : [read(catalog, `${reviewSql};`)])
        .join("\n")
        .split("\n")
        .filter(Boolean)
        .sort()
        .join("\n");
    return {
        orders: read(orders!, "SELECT id, user_id, idempotency_key, status, total_cents, created_at FROM orders ORDER BY id;"),
        accounts: read(users, "SELECT id, email, name, password_hash FROM users ORDER BY id;"),
        reviews,
        stock: read(
            catalog,
            "SELECT p.id, p.stock, coalesce(sum(r.quantity), 0) FROM products p LEFT JOIN stock_reservations r ON r.product_id = p.id GROUP BY p.id ORDER BY p.id;",
        ),
    };
}

/** The fields of the shop's answers that the buyers read. */
type Answer = { csrfToken: string; stock: number };

/** `buyers` customers sign up, buy and review through the entry, so that there is something of each kind to carry. */
async function trade(entry: string, buyers: number): Promise<void> {
    for (let i = 0; i < buyers; i++) {
        const cookies: string[] = [];
        let csrf = "";
        const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
            const response = await fetch(`${entry}${url}`, {
                method,
                headers: {
                    ...(body === undefined ? {} : { "content-type": "application/json" }),
                    cookie: cookies.join("; "),
                    "x-csrf-token": csrf,
                    ...headers,
                },
                body: body === undefined ? undefined : JSON.stringify(body),
            });
            for (const c of response.headers.getSetCookie()) {
                const pair = c.split(";")[0];
                const name = pair.split("=")[0];
                cookies.splice(0, cookies.length, ...cookies.filter((x) => !x.startsWith(`${name}=`)), pair);
            }
            const data = await response.json().catch(() => ({}));
            if (response.status >= 300) throw new Error(`${method} ${url} answered ${response.status}: ${JSON.stringify(data)}`);
            return data as Answer;
        };
        csrf = (await call("GET", "/api/session")).csrfToken;
        const email = `lab-move-${i}@example.com`;
        csrf = (await call("POST", "/api/users", { email, name: `Lab Buyer ${i}`, password: "correct horse battery" })).csrfToken;
        // A product with stock for what this buyer takes.
        let productId = 20 + i * 7;
        while ((await call("GET", `/api/products/${productId}`)).stock < 5) productId++;
        await call("POST", "/api/cart/items", { productId, quantity: 1 + (i % 3) });
        await call("POST", "/api/checkout", undefined, { "idempotency-key": `lab-move-${i}` });
        await call("POST", `/api/products/${productId}/comments`, { rating: 1 + (i % 5), body: `Carried across the move, review ${i}.` });
    }
}
