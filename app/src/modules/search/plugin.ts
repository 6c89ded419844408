import { FastifyPluginAsync } from "fastify";

/** Search API. */
export const searchPlugin: FastifyPluginAsync = async (app) => {
    app.get<{ Querystring: { q: string; limit: number } }>(
        "/api/search",
        {
            schema: {
                querystring: {
                    type: "object",
                    properties: { q: { type: "string", minLength: 1, maxLength: 200 }, limit: { type: "integer", minimum: 1, maximum: 100, default: 24 } },
                    required: ["q"],
                    additionalProperties: false,
                },
                response: {
                    200: {
                        type: "object",
                        properties: { query: { type: "string" }, items: { type: "array", items: { $ref: "product#" } }, total: { type: "integer" } },
                        required: ["query", "items", "total"],
                    },
                },
            },
        },
        (request) => app.shop.search.products(request.query.q, request.query.limit),
    );
};
