import { FastifyPluginAsync } from "fastify";
import { errorSchema, idParams } from "../../http/schemas";

const categorySchema = {
    type: "object",
    properties: {
        id: { type: "integer" },
        slug: { type: "string" },
        name: { type: "string" },
        description: { type: "string" },
        productCount: { type: "integer" },
    },
    required: ["id", "slug", "name", "description", "productCount"],
} as const;

/** Catalog API: categories, product pages, one product. */
export const catalogPlugin: FastifyPluginAsync = async (app) => {
    app.get("/api/categories", { schema: { response: { 200: { type: "array", items: categorySchema } } } }, () => app.shop.catalog.categories());

    app.get<{ Querystring: { category?: string; page: number; pageSize: number } }>(
        "/api/products",
        {
            schema: {
                querystring: {
                    type: "object",
                    properties: {
                        category: { type: "string", pattern: "^[a-z0-9-]{1,40}$" },
                        page: { type: "integer", minimum: 1, maximum: 10000, default: 1 },
                        pageSize: { type: "integer", minimum: 1, maximum: 100, default: 24 },
                    },
                    additionalProperties: false,
                },
                response: {
                    200: {
                        type: "object",
                        properties: {
                            items: { type: "array", items: { $ref: "product#" } },
                            page: { type: "integer" },
                            pageSize: { type: "integer" },
                            total: { type: "integer" },
                        },
                        required: ["items", "page", "pageSize", "total"],
                    },
                },
            },
        },
        (request) => app.shop.catalog.products({ categorySlug: request.query.category, page: request.query.page, pageSize: request.query.pageSize }),
    );

    app.get<{ Params: { id: number } }>(
        "/api/products/:id",
        { schema: { params: idParams, response: { 200: { $ref: "product#" }, 404: errorSchema } } },
        async (request, reply) => {
            const product = await app.shop.catalog.product(request.params.id);
            return product ?? reply.code(404).send({ error: `no product ${request.params.id}` });
        },
    );
};
