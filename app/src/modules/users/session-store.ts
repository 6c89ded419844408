/**
 * Where signed-in sessions live: in the users database (the default), or in Redis from
 * stage 4 on, so that any instance behind the load balancer knows any session.
 */
import type { Redis } from "ioredis";
import { Queryable } from "../../db/database";

export const sessionDays = 14;

export interface SessionStore {
    start(sessionId: string, userId: number): Promise<void>;
    /** The user of a live session, or undefined. */
    userIdOf(sessionId: string): Promise<number | undefined>;
    end(sessionId: string): Promise<void>;
}

export class PostgresSessionStore implements SessionStore {
    constructor(private readonly db: Queryable) {}

    async start(sessionId: string, userId: number): Promise<void> {
        await this.db.query(`INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, now() + make_interval(days => ${sessionDays}))`, [
            sessionId,
            userId,
        ]);
    }

    async userIdOf(sessionId: string): Promise<number | undefined> {
        const { rows } = await this.db.query<{ userId: number }>('SELECT user_id AS "userId" FROM sessions WHERE id = $1 AND expires_at > now()', [sessionId]);
        return rows[0]?.userId;
    }

    async end(sessionId: string): Promise<void> {
        await this.db.query("DELETE FROM sessions WHERE id = $1", [sessionId]);
    }
}

export class RedisSessionStore implements SessionStore {
    constructor(private readonly redis: Redis) {}

    async start(sessionId: string, userId: number): Promise<void> {
        await this.redis.set(`session:${sessionId}`, String(userId), "EX", sessionDays * 24 * 3600);
    }

    async userIdOf(sessionId: string): Promise<number | undefined> {
        const value = await this.redis.get(`session:${sessionId}`);
        return value === null ? undefined : Number(value);
    }

    async end(sessionId: string): Promise<void> {
        await this.redis.del(`session:${sessionId}`);
    }
}
