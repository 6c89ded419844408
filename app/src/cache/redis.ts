/**
 * Connections to Redis (ElastiCache from stage 3 on). Commands fail at once while Redis is
 * unreachable (no offline queue), so that callers fall back instead of piling up; the
 * connection itself keeps retrying in the background and recovers when Redis returns.
 */
import { Redis } from "ioredis";

export function connectRedis(url: string, authToken: string | undefined, onError: (err: Error) => void): Redis {
    const redis = new Redis(url, {
        password: authToken,
        tls: url.startsWith("rediss://") ? {} : undefined,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: 1000,
        connectTimeout: 2000,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    // Without a listener, a connection error would be thrown as an unhandled event.
    redis.on("error", onError);
    return redis;
}
