import { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { guardSignIn } from "../../http/rate-limit";
import { setSession } from "../../http/session";
import { credentials, errorSchema } from "../../http/schemas";
import { newSessionId, User, UserError } from "./users";
import { refuseUnsigned } from "../../http/internal-signature";
import { internalPaths } from "../../gateway/routes";
import { switchedOffNotices } from "../../flags/feature-flags";

const sessionSchema = {
    type: "object",
    properties: { csrfToken: { type: "string" }, user: { anyOf: [{ $ref: "user#" }, { type: "null" }] } },
    required: ["csrfToken", "user"],
} as const;

/** Signs the request's session in as `user`, under a new session id (the cart comes along). */
export async function signIn(request: FastifyRequest, reply: FastifyReply, user: User): Promise<void> {
    const { users, carts } = request.server.shop;
    const previous = request.sessionId;
    const next = newSessionId();
    await users.startSession(next, user);
    // The visitor's cart comes along, and the one the user left at their last sign-out comes back.
    await carts.move(previous, next);
    await carts.move(keptCart(user.id), next);
    setSession(request, reply, next);
    request.user = user;
}

/** Where a signed-out user's cart waits for their next sign-in: with the account, not with the browser left behind. */
const keptCart = (userId: number) => `user:${userId}`;

export async function signOut(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.knownUser) await request.server.shop.carts.move(request.sessionId, keptCart(request.knownUser.id));
    await request.server.shop.users.endSession(request.sessionId);
    setSession(request, reply, newSessionId());
    request.user = undefined;
}

/** Accounts API: the session (with its CSRF token), registration, sign-in, sign-out. */
export const usersPlugin: FastifyPluginAsync = async (app) => {
    const session = (request: FastifyRequest) => ({ csrfToken: request.csrfToken, user: request.user ?? null });

    app.get("/api/session", { schema: { response: { 200: sessionSchema } } }, async (request) => session(request));

    app.post<{ Body: { email: string; name: string; password: string } }>(
        "/api/users",
        {
            schema: {
                body: { type: "object", properties: { ...credentials, _csrf: { type: "string" } }, required: ["email", "name", "password"] },
                response: { 201: sessionSchema, 409: errorSchema, 503: errorSchema },
            },
        },
        async (request, reply) => {
            if (!app.flags.enabled("signups")) return reply.code(503).header("retry-after", "60").send({ error: switchedOffNotices.signups });
            const user = await app.shop.users.register(request.body.email, request.body.name, request.body.password);
            await signIn(request, reply, user);
            return reply.code(201).send(session(request));
        },
    );

    app.post<{ Body: { email: string; password: string } }>(
        "/api/session",
        {
            ...guardSignIn(app.signInAttempts),
            schema: {
                body: {
                    type: "object",
                    properties: { email: { type: "string", maxLength: 254 }, password: { type: "string", maxLength: 200 }, _csrf: { type: "string" } },
                    required: ["email", "password"],
                },
                response: { 200: sessionSchema, 401: errorSchema },
            },
        },
        async (request, reply) => {
            const user = await app.shop.users.authenticate(request.body.email, request.body.password);
            await signIn(request, reply, user);
            return session(request);
        },
    );

    app.delete("/api/session", { schema: { response: { 200: sessionSchema } } }, async (request, reply) => {
        await signOut(request, reply);
        return session(request);
    });
};

/**
 * What a storefront in another process asks the users service (internal: signed calls only):
 * whether an email and password are an account's, and a new account. It then signs the visitor
 * in itself (the sessions are in the shared Redis). A refusal answers its status with the field
 * and message the page shows.
 */
export const usersInternalPlugin: FastifyPluginAsync = async (app) => {
    app.addHook("onRequest", refuseUnsigned);
    const refusal = (reply: FastifyReply, err: unknown) => {
        if (err instanceof UserError) return reply.code(err.status).send({ error: err.message, field: err.field });
        throw err;
    };
    const fieldError = { ...errorSchema, properties: { ...errorSchema.properties, field: { type: "string" } } };

    app.post<{ Body: { email: string; password: string } }>(
        internalPaths.authentication,
        {
            config: { session: false },
            schema: {
                body: {
                    type: "object",
                    properties: { email: { type: "string", maxLength: 254 }, password: { type: "string", maxLength: 200 } },
                    required: ["email", "password"],
                    additionalProperties: false,
                },
                response: { 200: { $ref: "user#" }, 400: errorSchema, 401: fieldError },
            },
        },
        async (request, reply) => {
            try {
                return await app.shop.users.authenticate(request.body.email, request.body.password);
            } catch (err) {
                return refusal(reply, err);
            }
        },
    );

    app.post<{ Body: { email: string; name: string; password: string } }>(
        internalPaths.accounts,
        {
            config: { session: false },
            schema: {
                body: { type: "object", properties: credentials, required: ["email", "name", "password"], additionalProperties: false },
                response: { 201: { $ref: "user#" }, 400: errorSchema, 409: fieldError },
            },
        },
        async (request, reply) => {
            try {
                return reply.code(201).send(await app.shop.users.register(request.body.email, request.body.name, request.body.password));
            } catch (err) {
                return refusal(reply, err);
            }
        },
    );
};
