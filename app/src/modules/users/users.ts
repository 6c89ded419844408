/** Accounts and signed-in sessions. The session id itself lives in a signed, HttpOnly cookie. */
import { randomBytes } from "node:crypto";
import { ShopCache } from "../../cache/shop-cache";
import { Queryable } from "../../db/database";
import { hashPassword, verifyPassword } from "./passwords";
import { SessionStore } from "./session-store";

export interface User {
    id: number;
    email: string;
    name: string;
}

export class UserError extends Error {
    constructor(
        readonly field: string,
        message: string,
        readonly status = 400,
    ) {
        super(message);
    }
}

let standIn: Promise<string> | undefined;

/** A hash of a random password, made once, checked against when the email has no account. */
function standInHash(): Promise<string> {
    standIn ??= hashPassword(randomBytes(16).toString("hex"));
    return standIn;
}

export function newSessionId(): string {
    return randomBytes(24).toString("base64url");
}

export class Users {
    constructor(
        private readonly db: Queryable,
        private readonly sessions: SessionStore,
        /** Keeps users by id: a signed-in request then asks only the session store (no route changes a user). */
        private readonly cache?: ShopCache,
    ) {}

    async register(email: string, name: string, password: string): Promise<User> {
        const normalized = email.trim().toLowerCase();
        const passwordHash = await hashPassword(password);
        const { rows } = await this.db.query<User>(
            "INSERT INTO users (email, name, password_hash) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING RETURNING id, email, name",
            [normalized, name.trim(), passwordHash],
        );
        if (rows.length === 0) throw new UserError("email", "an account with this email exists already", 409);
        return rows[0];
    }

    /** The user with this email and password, or a UserError that does not say which of the two was wrong. */
    async authenticate(email: string, password: string): Promise<User> {
        const { rows } = await this.db.query<User & { passwordHash: string }>(
            'SELECT id, email, name, password_hash AS "passwordHash" FROM users WHERE email = $1',
            [email.trim().toLowerCase()],
        );
        // An unknown email costs the same hash as a known one: the time of a refusal tells nothing of who has an account.
        const ok = await verifyPassword(password, rows.length > 0 ? rows[0].passwordHash : await standInHash());
        if (!ok || rows.length === 0) throw new UserError("email", "wrong email or password", 401);
        return { id: rows[0].id, email: rows[0].email, name: rows[0].name };
    }

    startSession(sessionId: string, user: User): Promise<void> {
        return this.sessions.start(sessionId, user);
    }

    async userOfSession(sessionId: string): Promise<User | undefined> {
        const session = await this.sessions.userOf(sessionId);
        if (session === undefined) return undefined;
        // Sessions carry the user since they were signed in; older ones hold the id alone.
        if (session.user) return session.user;
        const load = async () => (await this.db.query<User>("SELECT id, email, name FROM users WHERE id = $1", [session.id])).rows[0];
        return this.cache ? this.cache.getOrLoad(`user:${session.id}`, 60_000, load) : load();
    }

    endSession(sessionId: string): Promise<void> {
        return this.sessions.end(sessionId);
    }
}
