/**
 * Where signed-in sessions live: in the users database (the default), or in Redis from
 * stage 4 on, so that any instance behind the load balancer knows any session. In Redis the
 * session carries the user's id, email and name as they were at sign-in, so that a process
 * that does not own the users' data (orders, comments, the cart) knows who is signed in.
 */
import type { Redis } from "ioredis";
import { Queryable } from "../../db/database";
import type { User } from "./users";

export const sessionDays = 14;

export interface SessionStore {
    start(sessionId: string, user: User): Promise<void>;
    /** The user of a live session (the whole user when the store keeps it), or undefined. */
    userOf(sessionId: string): Promise<{ id: number; user?: User } | undefined>;
    end(sessionId: string): Promise<void>;
}

export class PostgresSessionStore implements SessionStore {
    constructor(private readonly db: Queryable) {}

    async start(sessionId: string, user: User): Promise<void> {
        await this.db.query(`INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, now() + make_interval(days => ${sessionDays}))`, [
            sessionId,
            user.id,
        ]);
    }

    async userOf(sessionId: string): Promise<{ id: number } | undefined> {
        const { rows } = await this.db.query<{ id: number }>("SELECT user_id AS id FROM sessions WHERE id = $1 AND expires_at > now()", [sessionId]);
        return rows[0];
    }

    async end(sessionId: string): Promise<void> {
        await this.db.query("DELETE FROM sessions WHERE id = $1", [sessionId]);
    }
}

export class RedisSessionStore implements SessionStore {
    constructor(private readonly redis: Redis) {}

    async start(sessionId: string, user: User): Promise<void> {
        const value = JSON.stringify({ id: user.id, email: user.email, name: user.name });
        await this.redis.set(`session:${sessionId}`, value, "EX", sessionDays * 24 * 3600);
    }

    async userOf(sessionId: string): Promise<{ id: number; user?: User } | undefined> {
        const value = await this.redis.get(`session:${sessionId}`);
        if (value === null) return undefined;
        // Sessions started before the user was kept with them hold the id alone.
        if (/^\d+$/.test(value)) return { id: Number(value) };
        const user = JSON.parse(value) as User;
        return { id: user.id, user };
    }

    async end(sessionId: string): Promise<void> {
        await this.redis.del(`session:${sessionId}`);
    }
}
