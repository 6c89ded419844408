/**
 * Which module serves which API routes: the gateway forwards a route to the module's service
 * when this process does not serve that module itself.
 */
import { Module } from "../config";

type Method = "GET" | "POST" | "PUT" | "DELETE";

export const moduleRoutes: Partial<Record<Module, [Method[], string][]>> = {
    catalog: [
        [["GET"], "/api/categories"],
        [["GET"], "/api/products"],
        [["GET"], "/api/products/:id"],
    ],
    search: [[["GET"], "/api/search"]],
    cart: [
        [["GET"], "/api/cart"],
        [["POST"], "/api/cart/items"],
        [["PUT", "DELETE"], "/api/cart/items/:id"],
    ],
    users: [
        [["GET", "POST", "DELETE"], "/api/session"],
        [["POST"], "/api/users"],
    ],
    orders: [
        [["POST"], "/api/checkout"],
        [["GET"], "/api/orders"],
        [["GET"], "/api/orders/:id"],
    ],
    comments: [
        [["GET", "POST"], "/api/products/:id/comments"],
        [["GET"], "/api/comments/latest"],
    ],
};
