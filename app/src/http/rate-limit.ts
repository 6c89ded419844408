/**
 * Failed sign-ins are counted per client address in fixed windows, and an address past the
 * limit is refused with 429 until its window ends: enough tries for a person, too few for
 * password guessing. In process by default; in Redis from stage 4 on, so that every
 * instance counts together. When Redis fails, nothing is counted or refused (fails open):
 * a shop refusing every sign-in during a cache outage would be worse.
 */
import type { Redis } from "ioredis";
import { FastifyReply, FastifyRequest, RouteShorthandOptions } from "fastify";
import { ClientError } from "./client-error";

declare module "fastify" {
    interface FastifyInstance {
        signInAttempts: AttemptCounter;
    }
}

export interface AttemptCounter {
    /** The attempts counted for `key` in its open window, and when that window ends. */
    current(key: string): Promise<{ count: number; retryAfterMs: number }>;
    /** Counts one attempt, opening a window of `windowMs` when none is open. */
    add(key: string, windowMs: number): Promise<void>;
}

export class MemoryAttemptCounter implements AttemptCounter {
    private readonly windows = new Map<string, { count: number; ends: number }>();

    async current(key: string) {
        const window = this.windows.get(key);
        if (!window || window.ends <= Date.now()) return { count: 0, retryAfterMs: 0 };
        return { count: window.count, retryAfterMs: window.ends - Date.now() };
    }

    async add(key: string, windowMs: number) {
        const now = Date.now();
        const window = this.windows.get(key);
        if (window && window.ends > now) window.count++;
        else this.windows.set(key, { count: 1, ends: now + windowMs });
        if (this.windows.size > 100_000) for (const [k, w] of this.windows) if (w.ends <= now) this.windows.delete(k);
    }
}

export class RedisAttemptCounter implements AttemptCounter {
    constructor(
        private readonly redis: Redis,
        private readonly onError: (err: Error) => void,
    ) {}

    async current(key: string) {
        try {
            const [count, ttl] = await Promise.all([this.redis.get(`attempts:${key}`), this.redis.pttl(`attempts:${key}`)]);
            return { count: Number(count ?? 0), retryAfterMs: Math.max(0, ttl) };
        } catch (err) {
            this.onError(err as Error);
            return { count: 0, retryAfterMs: 0 };
        }
    }

    async add(key: string, windowMs: number) {
        try {
            // PEXPIRE NX (Redis 7) opens the window on the first attempt only.
            await this.redis.multi().incr(`attempts:${key}`).pexpire(`attempts:${key}`, windowMs, "NX").exec();
        } catch (err) {
            this.onError(err as Error);
        }
    }
}

export const signInLimit = { failures: 10, windowMs: 60_000 };

/**
 * Route options for a sign-in route: refuse an address past the limit, count each failed attempt (401).
 * Counted before the answer leaves (onSend), not after (onResponse): a client that guesses again as soon
 * as it reads a 401 must find that guess counted, or the eleventh guess in a row would pass.
 */
export function guardSignIn(counter: AttemptCounter): Pick<RouteShorthandOptions, "preHandler" | "onSend"> {
    const key = (request: FastifyRequest) => `sign-in:${request.ip}`;
    return {
        preHandler: async (request: FastifyRequest) => {
            const { count, retryAfterMs } = await counter.current(key(request));
            if (count < signInLimit.failures) return;
            const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
            throw new ClientError(429, `too many failed sign-ins from this address; try again in ${seconds} s`, { "retry-after": String(seconds) });
        },
        onSend: async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
            if (reply.statusCode === 401) await counter.add(key(request), signInLimit.windowMs);
            return payload;
        },
    };
}
