/**
 * A shopper's journey through the shop's public entry: `npm run -s journey -- --url <https://...>
 * [--wait <seconds>]`. Waits for the entry's readiness (the whole path: load balancer, Nginx, the
 * application, its databases), then browses, opens a session, signs up, fills a cart, checks out
 * with a shipping address and reads the order back. Prints one JSON object (each step's status
 * and time) and exits 1 naming the first step that failed. The nightly stage proof runs it
 * against each stage it brings up.
 */
import { parseArgs } from "node:util";
import { ShopClient } from "../app/test/support/shop-client";

export interface JourneyStep {
    step: string;
    ms: number;
    status?: number;
}

export interface JourneyResult {
    url: string;
    ok: boolean;
    /** Seconds from the first try until the entry answered ready. */
    readySeconds?: number;
    steps: JourneyStep[];
    failure?: string;
}

const address = { name: "Stage Proof", street: "1 Test Street", city: "Dublin", postalCode: "D01 F5P2", country: "IE" };

class StepFailed extends Error {}

export async function shopperJourney(url: string, options: { waitSeconds?: number; pollMs?: number } = {}): Promise<JourneyResult> {
    const base = url.replace(/\/+$/, "");
    const result: JourneyResult = { url: base, ok: false, steps: [] };
    const client = new ShopClient(base);
    const step = async <T>(name: string, run: () => Promise<{ status: number; data: T }>, expected: (r: { status: number; data: T }) => boolean) => {
        const started = performance.now();
        const response = await run().catch((err: Error) => {
            throw new StepFailed(`${name}: ${err.message}`);
        });
        result.steps.push({ step: name, ms: Math.round(performance.now() - started), status: response.status });
        if (!expected(response)) throw new StepFailed(`${name}: answered ${response.status} ${JSON.stringify(response.data).slice(0, 300)}`);
        return response.data;
    };
    try {
        result.readySeconds = await waitReady(base, options.waitSeconds ?? 900, options.pollMs ?? 5_000);
        await step(
            "home page",
            () => client.request("GET", "/"),
            (r) => r.status === 200 && String(r.data).includes("<html"),
        );
        const page = await step<{ items?: { id: number; stock: number }[] }>(
            "browse products",
            () => client.request("GET", "/api/products?pageSize=5"),
            (r) => r.status === 200 && (r.data.items?.length ?? 0) > 0,
        );
        const product = page.items!.find((p) => p.stock > 0) ?? page.items![0];
        await step(
            "product page",
            () => client.request("GET", `/products/${product.id}`),
            (r) => r.status === 200,
        );
        const session = await step<{ csrfToken?: string }>(
            "open session",
            () => client.request("GET", "/api/session"),
            (r) => r.status === 200 && Boolean(r.data.csrfToken),
        );
        client.csrfToken = session.csrfToken!;
        const visit = `proof-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
        const email = `${visit}@example.com`;
        const account = await step<{ csrfToken: string }>(
            "sign up",
            () => client.request("POST", "/api/users", { json: { email, name: "Stage Proof", password: "stage proof journey" } }),
            (r) => r.status === 201,
        );
        client.csrfToken = account.csrfToken;
        await step(
            "add to cart",
            () => client.request("POST", "/api/cart/items", { json: { productId: product.id, quantity: 1 } }),
            (r) => r.status < 300,
        );
        await step<{ count?: number }>(
            "view cart",
            () => client.request("GET", "/api/cart"),
            (r) => r.status === 200 && r.data.count === 1,
        );
        const order = await step<{ id?: number }>(
            "check out",
            () => client.request("POST", "/api/checkout", { json: { address }, headers: { "idempotency-key": visit } }),
            (r) => r.status === 200 && r.data.id !== undefined,
        );
        await step<{ id?: number }>(
            "read the order",
            () => client.request("GET", `/api/orders/${order.id}`),
            (r) => r.status === 200 && r.data.id === order.id,
        );
        result.ok = true;
    } catch (err) {
        if (!(err instanceof StepFailed)) throw err;
        result.failure = err.message;
    }
    return result;
}

/** Polls `/readyz` until it answers 200; the seconds it took. */
async function waitReady(base: string, waitSeconds: number, pollMs: number): Promise<number> {
    const started = Date.now();
    let last = "no answer yet";
    while (Date.now() - started < waitSeconds * 1000) {
        try {
            const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(10_000) });
            if (response.ok) return Math.round((Date.now() - started) / 1000);
            last = `readiness answered ${response.status}`;
        } catch (err) {
            last = (err as Error).message;
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    throw new StepFailed(`ready: not within ${waitSeconds} s (${last})`);
}

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { url: { type: "string" }, wait: { type: "string" } }, strict: true });
    const wait = Number(values.wait ?? 900);
    if (!values.url || !/^https?:\/\//.test(values.url) || !Number.isFinite(wait) || wait < 0) {
        process.stderr.write("usage: npm run -s journey -- --url <http(s)://entry> [--wait <seconds, default 900>]\n");
        process.exit(2);
    }
    const result = await shopperJourney(values.url, { waitSeconds: wait });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!result.ok) {
        process.stderr.write(`journey failed at ${result.failure}\n`);
        process.exitCode = 1;
    }
}

if (require.main === module) void main();
