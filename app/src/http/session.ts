/**
 * Browser sessions. A visitor gets a random session id in a signed, HttpOnly, SameSite=Lax
 * cookie the first time a request uses it (a form's CSRF token, a cart): a read that does not,
 * such as the product API's, sets no cookie, so a CDN or Nginx may cache it. Signing in stores
 * the id with the user (and replaces it, against session fixation). The CSRF token of a form is
 * an HMAC of the session id, derived when first asked for, so it needs no storage; every
 * state-changing request must carry it (`_csrf` field or `x-csrf-token` header).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import "@fastify/cookie";
import { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { newSessionId, User, Users } from "../modules/users/users";
import { ClientError } from "./client-error";
import { Unavailable } from "./unavailable";

declare module "fastify" {
    interface FastifyInstance {
        /** Signs session cookies and derives CSRF tokens. */
        sessionSecret: string;
    }
    interface FastifyRequest {
        sessionId: string;
        /** The signed-in user; reading it throws a 503 when the session store could not be asked. */
        user?: User;
        /** The user as far as known: undefined when signed out or unknown (the page frame uses it). */
        knownUser?: User;
        sessionLookupFailure?: Error;
        csrfToken: string;
        /** The session id as known so far ("" until the cookie was read or a session minted). */
        knownSessionId: string;
        knownCsrfToken: string;
        /** Where a new session's cookie goes when this request first uses one; null where none may be minted. */
        sessionReply: FastifyReply | null;
    }
    interface FastifyContextConfig {
        /** false: the route uses no session, so it neither reads nor sets the session cookie (static files, health, metrics). */
        session?: boolean;
    }
}

export const sessionCookie = "shop_sid";

export function csrfTokenFor(secret: string, sessionId: string): string {
    return createHmac("sha256", secret).update(`csrf:${sessionId}`).digest("base64url");
}

export interface SessionsOptions {
    users: Users;
    /** Signs the cookies and derives the CSRF tokens (SHOP_SESSION_SECRET). */
    secret: string;
}

/** Sessions for every route of the instance (not encapsulated), over the signed cookies of @fastify/cookie. */
export const sessionsPlugin = fp<SessionsOptions>(async (app, { users, secret }) => registerSessions(app, users, secret), {
    name: "shop-sessions",
    fastify: "5.x",
    dependencies: ["@fastify/cookie"],
});

function registerSessions(app: FastifyInstance, users: Users, secret: string): void {
    app.decorate("sessionSecret", secret);
    app.decorateRequest("knownSessionId", "");
    app.decorateRequest("knownCsrfToken", "");
    app.decorateRequest("sessionReply", null);
    app.decorateRequest("sessionId", {
        getter(this: FastifyRequest) {
            if (!this.knownSessionId && this.sessionReply) setSession(this, this.sessionReply, newSessionId());
            return this.knownSessionId;
        },
    });
    app.decorateRequest("knownUser", undefined);
    app.decorateRequest("sessionLookupFailure", undefined);
    app.decorateRequest("user", {
        getter(this: FastifyRequest) {
            if (this.sessionLookupFailure) throw this.sessionLookupFailure;
            return this.knownUser;
        },
        setter(this: FastifyRequest, user: User | undefined) {
            this.knownUser = user;
            this.sessionLookupFailure = undefined;
        },
    });
    app.decorateRequest("csrfToken", {
        getter(this: FastifyRequest) {
            const sessionId = this.sessionId;
            if (sessionId && !this.knownCsrfToken) this.knownCsrfToken = csrfTokenFor(secret, sessionId);
            return this.knownCsrfToken;
        },
    });

    app.addHook("onRequest", async (request, reply) => {
        if (request.routeOptions.config?.session === false) return;
        const raw = request.cookies[sessionCookie];
        const unsigned = raw ? request.unsignCookie(raw) : undefined;
        if (unsigned?.valid && unsigned.value) {
            request.knownSessionId = unsigned.value;
            try {
                request.user = await users.userOfSession(unsigned.value);
            } catch (err) {
                // The session store (or the users database) is down. A page can still be shown with the
                // visitor as a guest; what needs to know who they are (a change, their orders) answers a
                // clean 503 naming what failed when it asks for request.user.
                const failure = err instanceof Unavailable ? err : new Unavailable("the session store", { cause: err });
                if (!["GET", "HEAD", "OPTIONS"].includes(request.method)) throw failure;
                request.sessionLookupFailure = failure;
                request.log.warn({ err: (err as Error).message }, "session store unavailable: serving public pages as a guest");
            }
        } else if (!request.routeOptions.config?.forwarded) {
            // A session (and its cookie) only when this request uses one.
            request.sessionReply = reply;
        }
    });

    app.addHook("preHandler", async (request) => {
        if (["GET", "HEAD", "OPTIONS"].includes(request.method) || request.routeOptions.config?.session === false) return;
        const body = request.body as Record<string, unknown> | undefined;
        const given = String(request.headers["x-csrf-token"] ?? body?._csrf ?? "");
        const expected = request.csrfToken;
        if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
            throw new ClientError(403, "the page's security token (CSRF) is missing or out of date: reload the page and try again");
        }
    });
}

/** Gives the request a (new) session id and its cookie; its CSRF token follows when asked for. */
export function setSession(request: FastifyRequest, reply: FastifyReply, sessionId: string): void {
    request.knownSessionId = sessionId;
    request.knownCsrfToken = "";
    reply.setCookie(sessionCookie, sessionId, {
        signed: true,
        httpOnly: true,
        sameSite: "lax",
        secure: request.protocol === "https",
        path: "/",
        maxAge: 14 * 24 * 3600,
    });
}
