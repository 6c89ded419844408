import { FastifyPluginAsync } from "fastify";
import { errorSchema } from "../../http/schemas";
import { refuseUnsigned } from "../../http/internal-signature";
import { internalPaths } from "../../gateway/routes";
import { Stock, StockLine } from "./stock";

/** Where an order's stock reservations live in the catalog's API (internal: signed calls only). */
export const stockReservationsPath = internalPaths.stockReservations;

const orderKeyParams = {
    type: "object",
    properties: { orderKey: { type: "string", pattern: "^[A-Za-z0-9:_-]{1,100}$" } },
    required: ["orderKey"],
} as const;

/**
 * The catalog's stock API for the orders service (stages 11-13, when the catalog is another
 * process): PUT reserves an order's lines, DELETE gives them back; both idempotent by order and
 * product, so the service client may send them again. No session: the caller is a process of the shop.
 */
export function stockPlugin(stock: Stock): FastifyPluginAsync {
    return async (app) => {
        app.addHook("onRequest", refuseUnsigned);
        app.put<{ Params: { orderKey: string }; Body: { lines: StockLine[] } }>(
            `${stockReservationsPath}/:orderKey`,
            {
                config: { session: false },
                schema: {
                    params: orderKeyParams,
                    body: {
                        type: "object",
                        properties: {
                            lines: {
                                type: "array",
                                minItems: 1,
                                maxItems: 100,
                                items: {
                                    type: "object",
                                    properties: { productId: { type: "integer", minimum: 1 }, quantity: { type: "integer", minimum: 1, maximum: 99 } },
                                    required: ["productId", "quantity"],
                                    additionalProperties: false,
                                },
                            },
                        },
                        required: ["lines"],
                        additionalProperties: false,
                    },
                    response: { 409: errorSchema },
                },
            },
            async (request, reply) => {
                const reservation = await stock.reserve(request.params.orderKey, request.body.lines);
                return reservation.reserved ? { reserved: true } : reply.code(409).send({ error: reservation.problem });
            },
        );
        app.delete<{ Params: { orderKey: string } }>(
            `${stockReservationsPath}/:orderKey`,
            { config: { session: false }, schema: { params: orderKeyParams } },
            async (request, reply) => {
                await stock.release(request.params.orderKey);
                return reply.code(204).send();
            },
        );
    };
}
