/**
 * Browser sessions. Every visitor gets a random session id in a signed, HttpOnly,
 * SameSite=Lax cookie; signing in stores the id with the user (and replaces it, against
 * session fixation). The CSRF token of a form is an HMAC of the session id, so it needs no
 * storage; every state-changing request must carry it (`_csrf` field or `x-csrf-token` header).
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
    app.decorateRequest("sessionId", "");
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
    app.decorateRequest("csrfToken", "");

    app.addHook("onRequest", async (request, reply) => {
        if (request.routeOptions.config?.session === false) return;
        const raw = request.cookies[sessionCookie];
        const unsigned = raw ? request.unsignCookie(raw) : undefined;
        if (unsigned?.valid && unsigned.value) {
            request.sessionId = unsigned.value;
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
            request.csrfToken = csrfTokenFor(secret, unsigned.value);
        } else if (!request.routeOptions.config?.forwarded) {
            setSession(request, reply, newSessionId());
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

/** Gives the request a (new) session id, its cookie and its CSRF token. */
export function setSession(request: FastifyRequest, reply: FastifyReply, sessionId: string): void {
    request.sessionId = sessionId;
    request.csrfToken = csrfTokenFor(request.server.sessionSecret, sessionId);
    reply.setCookie(sessionCookie, sessionId, {
        signed: true,
        httpOnly: true,
        sameSite: "lax",
        secure: request.protocol === "https",
        path: "/",
        maxAge: 14 * 24 * 3600,
    });
}
