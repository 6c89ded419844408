/**
 * Browser sessions. Every visitor gets a random session id in a signed, HttpOnly,
 * SameSite=Lax cookie; signing in stores the id with the user (and replaces it, against
 * session fixation). The CSRF token of a form is an HMAC of the session id, so it needs no
 * storage; every state-changing request must carry it (`_csrf` field or `x-csrf-token` header).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import "@fastify/cookie";
import { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { newSessionId, User, Users } from "../modules/users/users";
import { Unavailable } from "./unavailable";

declare module "fastify" {
    interface FastifyInstance {
        /** Signs session cookies and derives CSRF tokens. */
        sessionSecret: string;
    }
    interface FastifyRequest {
        sessionId: string;
        user?: User;
        csrfToken: string;
    }
}

export const sessionCookie = "shop_sid";

export function csrfTokenFor(secret: string, sessionId: string): string {
    return createHmac("sha256", secret).update(`csrf:${sessionId}`).digest("base64url");
}

export function registerSessions(app: FastifyInstance, users: Users, secret: string): void {
    app.decorate("sessionSecret", secret);
    app.decorateRequest("sessionId", "");
    app.decorateRequest("user", undefined);
    app.decorateRequest("csrfToken", "");

    app.addHook("onRequest", async (request, reply) => {
        const raw = request.cookies[sessionCookie];
        const unsigned = raw ? request.unsignCookie(raw) : undefined;
        if (unsigned?.valid && unsigned.value) {
            request.sessionId = unsigned.value;
            try {
                request.user = await users.userOfSession(unsigned.value);
            } catch (err) {
                // The session store is down. A page can still be shown to a guest; a change cannot be
                // made on the visitor's behalf without knowing who they are: that is a clean 503 to retry.
                if (!["GET", "HEAD", "OPTIONS"].includes(request.method)) throw new Unavailable("your session");
                request.log.warn({ err: (err as Error).message }, "session store unavailable: serving as a guest");
            }
            request.csrfToken = csrfTokenFor(secret, unsigned.value);
        } else if (!request.routeOptions.config?.forwarded) {
            setSession(request, reply, newSessionId());
        }
    });

    app.addHook("preHandler", async (request, reply) => {
        if (["GET", "HEAD", "OPTIONS"].includes(request.method)) return;
        const body = request.body as Record<string, unknown> | undefined;
        const given = String(request.headers["x-csrf-token"] ?? body?._csrf ?? "");
        const expected = request.csrfToken;
        if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
            return reply.code(403).send({ error: "the CSRF token is missing or wrong: reload the page and try again" });
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
