import { FastifyPluginAsync, FastifyRequest } from "fastify";
import { ClientError } from "../../http/client-error";
import { errorSchema, idParams } from "../../http/schemas";
import { maxLines } from "./cart";

const cartSchema = {
    type: "object",
    properties: {
        lines: {
            type: "array",
            items: {
                type: "object",
                properties: {
                    productId: { type: "integer" },
                    name: { type: "string" },
                    unitPriceCents: { type: "integer" },
                    quantity: { type: "integer" },
                    stock: { type: "integer" },
                },
                required: ["productId", "name", "unitPriceCents", "quantity", "stock"],
            },
        },
        totalCents: { type: "integer" },
        count: { type: "integer" },
    },
    required: ["lines", "totalCents", "count"],
} as const;

export interface CartView {
    lines: { productId: number; name: string; unitPriceCents: number; quantity: number; stock: number }[];
    totalCents: number;
    count: number;
}

/** The session's cart with current names, prices and stock from the catalog. */
export async function viewCart(request: FastifyRequest): Promise<CartView> {
    const { carts, catalogAccess } = request.server.shop;
    const lines = await carts.lines(request.sessionId);
    const products = await catalogAccess.productsByIds(lines.map((l) => l.productId));
    const view = lines
        .filter((l) => products.has(l.productId))
        .map((l) => {
            const p = products.get(l.productId)!;
            return { productId: p.id, name: p.name, unitPriceCents: p.priceCents, quantity: l.quantity, stock: p.stock };
        });
    return { lines: view, totalCents: view.reduce((s, l) => s + l.unitPriceCents * l.quantity, 0), count: view.reduce((s, l) => s + l.quantity, 0) };
}

/**
 * Adds `quantity` of a product to the session's cart, within what the shop can sell: the
 * product exists, its stock covers the line (what is in the cart already and the new
 * quantity), and the cart holds at most `maxLines` products. The checkout takes the stock;
 * this only spares a shopper a cart that cannot be bought.
 */
export async function addToCart(request: FastifyRequest, productId: number, quantity: number): Promise<void> {
    const { carts, catalogAccess } = request.server.shop;
    const product = (await catalogAccess.productsByIds([productId])).get(productId);
    if (!product) throw new ClientError(404, `there is no product ${productId}`);
    const lines = await carts.lines(request.sessionId);
    const inCart = lines.find((l) => l.productId === productId)?.quantity ?? 0;
    if (inCart === 0 && lines.length >= maxLines) throw new ClientError(409, `a cart holds at most ${maxLines} different products`);
    if (inCart + quantity > product.stock)
        throw new ClientError(
            409,
            product.stock === 0
                ? `${product.name} is sold out`
                : `only ${product.stock} of ${product.name} left${inCart > 0 ? `, and ${inCart} are in your cart already` : ""}`,
        );
    await carts.add(request.sessionId, productId, quantity);
}

/** Cart API. */
export const cartPlugin: FastifyPluginAsync = async (app) => {
    app.get("/api/cart", { schema: { response: { 200: cartSchema } } }, (request) => viewCart(request));

    app.post<{ Body: { productId: number; quantity: number } }>(
        "/api/cart/items",
        {
            schema: {
                body: {
                    type: "object",
                    properties: {
                        productId: { type: "integer", minimum: 1, maximum: 2147483647 },
                        quantity: { type: "integer", minimum: 1, maximum: 99, default: 1 },
                        _csrf: { type: "string" },
                    },
                    required: ["productId"],
                },
                response: { 200: cartSchema, 404: errorSchema, 409: errorSchema },
            },
        },
        async (request) => {
            await addToCart(request, request.body.productId, request.body.quantity);
            return viewCart(request);
        },
    );

    app.put<{ Params: { id: number }; Body: { quantity: number } }>(
        "/api/cart/items/:id",
        {
            schema: {
                params: idParams,
                body: {
                    type: "object",
                    properties: { quantity: { type: "integer", minimum: 0, maximum: 99 }, _csrf: { type: "string" } },
                    required: ["quantity"],
                },
                response: { 200: cartSchema },
            },
        },
        async (request) => {
            await app.shop.carts.setQuantity(request.sessionId, request.params.id, request.body.quantity);
            return viewCart(request);
        },
    );

    app.delete<{ Params: { id: number } }>("/api/cart/items/:id", { schema: { params: idParams, response: { 200: cartSchema } } }, async (request) => {
        await app.shop.carts.remove(request.sessionId, request.params.id);
        return viewCart(request);
    });
};
