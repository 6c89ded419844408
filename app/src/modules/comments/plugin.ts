import { FastifyPluginAsync } from "fastify";
import { errorSchema, idParams } from "../../http/schemas";
import { switchedOffNotices } from "../../flags/feature-flags";

export const commentBody = {
    rating: { type: "integer", minimum: 1, maximum: 5 },
    // A review may have several lines (tabs and line breaks); no other control characters.
    body: { type: "string", minLength: 1, maxLength: 2000, pattern: "\\S", text: "text" },
} as const;

/** Comments API: a product's comments, adding one (signed in), the latest across the shop. */
export const commentsPlugin: FastifyPluginAsync = async (app) => {
    // Reviews switched off (the reviews flag): every comments route says so, with a hint to retry.
    app.addHook("onRequest", async (_request, reply) => {
        if (!app.flags.enabled("reviews")) return reply.code(503).header("retry-after", "60").send({ error: switchedOffNotices.reviews });
    });
    app.get<{ Params: { id: number } }>(
        "/api/products/:id/comments",
        {
            schema: {
                params: idParams,
                response: {
                    200: {
                        type: "object",
                        properties: {
                            items: { type: "array", items: { $ref: "comment#" } },
                            count: { type: "integer" },
                            averageRating: { type: ["number", "null"] },
                        },
                        required: ["items", "count", "averageRating"],
                    },
                },
            },
        },
        (request) => app.shop.comments.forProduct(request.params.id, 50),
    );

    app.post<{ Params: { id: number }; Body: { rating: number; body: string } }>(
        "/api/products/:id/comments",
        {
            schema: {
                params: idParams,
                body: { type: "object", properties: { ...commentBody, _csrf: { type: "string" } }, required: ["rating", "body"] },
                response: { 201: { $ref: "comment#" }, 401: errorSchema, 404: errorSchema, 409: errorSchema },
            },
        },
        async (request, reply) => {
            if (!request.user) return reply.code(401).send({ error: "sign in to comment" });
            if (!(await app.shop.catalogAccess.productsByIds([request.params.id])).has(request.params.id))
                return reply.code(404).send({ error: `no product ${request.params.id}` });
            const comment = await app.shop.comments.add(request.params.id, request.user.id, request.user.name, request.body.rating, request.body.body);
            if (!comment) return reply.code(409).send({ error: "you have reviewed this product already" });
            return reply.code(201).send(comment);
        },
    );

    app.get("/api/comments/latest", { schema: { response: { 200: { type: "array", items: { $ref: "comment#" } } } } }, () => app.shop.comments.latest(20));
};
