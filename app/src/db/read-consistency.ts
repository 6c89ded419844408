/**
 * Read-your-writes across replicas (stage 5). After a request writes to a replicated
 * database, the visitor gets a signed cookie with the writer's WAL position (LSN) at that
 * moment; the visitor's later reads go to a reader only once that reader has replayed past
 * it, and to the writer until then. The position travels with the visitor, so every
 * instance honours it; it is only a number, never data.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import "@fastify/cookie";
import { FastifyInstance } from "fastify";

export interface ConsistencyContext {
    /** Per database label: the WAL position this visitor's reads must see. */
    minimum: Record<string, string>;
    /** Databases this request wrote to: label -> a way to read the writer's position now. */
    wrote: Map<string, () => Promise<string>>;
}

const context = new AsyncLocalStorage<ConsistencyContext>();
const cookieName = "shop_wal";
/** Far longer than any healthy replica's lag; it bounds how long a visitor's reads can be held on the writer. */
const cookieSeconds = 300;

export function currentConsistency(): ConsistencyContext | undefined {
    return context.getStore();
}

/** Compares two LSNs ("16/B374D848"): negative when a is before b. */
export function compareLsn(a: string, b: string): number {
    const [ah, al] = a.split("/").map((x) => parseInt(x, 16));
    const [bh, bl] = b.split("/").map((x) => parseInt(x, 16));
    return ah !== bh ? ah - bh : al - bl;
}

/** Registers the hooks when a database has readers (`replicated`); without, no request pays for them. */
export function registerReadConsistency(app: FastifyInstance, replicated: boolean): void {
    if (!replicated) return;
    // Callback style, so that the rest of the request runs inside `context.run`.
    app.addHook("onRequest", (request, _reply, done) => {
        let minimum: Record<string, string> = {};
        const raw = request.cookies[cookieName];
        const unsigned = raw ? request.unsignCookie(raw) : undefined;
        if (unsigned?.valid && unsigned.value) {
            try {
                minimum = JSON.parse(unsigned.value) as Record<string, string>;
            } catch {
                minimum = {};
            }
        }
        context.run({ minimum, wrote: new Map() }, done);
    });
    app.addHook("onSend", async (request, reply, payload) => {
        const ctx = context.getStore();
        if (!ctx || ctx.wrote.size === 0) return payload;
        for (const [label, position] of ctx.wrote) ctx.minimum[label] = await position();
        reply.setCookie(cookieName, JSON.stringify(ctx.minimum), {
            signed: true,
            httpOnly: true,
            sameSite: "lax",
            secure: request.protocol === "https",
            path: "/",
            maxAge: cookieSeconds,
        });
        return payload;
    });
}
