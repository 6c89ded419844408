import { FastifyPluginAsync } from "fastify";
import { errorSchema, idParams } from "../../http/schemas";
import { Address, addressSchema, checkedAddress } from "./address";

/** Orders API: checkout (idempotent by the Idempotency-Key header), the user's orders. */
export const ordersPlugin: FastifyPluginAsync = async (app) => {
    app.post<{ Headers: { "idempotency-key": string }; Body: { address?: Address } | undefined }>(
        "/api/checkout",
        {
            schema: {
                // The shipping address, validated and stored with the order.
                body: { type: "object", properties: { address: addressSchema, _csrf: { type: "string" } }, nullable: true },
                headers: {
                    type: "object",
                    properties: { "idempotency-key": { type: "string", minLength: 8, maxLength: 100, pattern: "^[A-Za-z0-9_-]+$" } },
                    required: ["idempotency-key"],
                },
                response: { 200: { $ref: "order#" }, 400: errorSchema, 401: errorSchema, 402: errorSchema, 409: errorSchema },
            },
        },
        async (request, reply) => {
            if (!request.user) return reply.code(401).send({ error: "sign in to check out" });
            const address = request.body?.address ? checkedAddress(request.body.address) : undefined;
            return app.shop.orders.checkout(request.user.id, request.sessionId, request.headers["idempotency-key"], address);
        },
    );

    app.get("/api/orders", { schema: { response: { 200: { type: "array", items: { $ref: "order#" } }, 401: errorSchema } } }, async (request, reply) => {
        if (!request.user) return reply.code(401).send({ error: "sign in to see your orders" });
        return app.shop.orders.forUser(request.user.id);
    });

    app.get<{ Params: { id: number } }>(
        "/api/orders/:id",
        { schema: { params: idParams, response: { 200: { $ref: "order#" }, 401: errorSchema, 404: errorSchema } } },
        async (request, reply) => {
            if (!request.user) return reply.code(401).send({ error: "sign in to see your orders" });
            const order = await app.shop.orders.get(request.user.id, request.params.id);
            return order ?? reply.code(404).send({ error: `no order ${request.params.id}` });
        },
    );
};
