/**
 * Which module serves which API routes: the gateway forwards a route to the module's service
 * when this process does not serve that module itself. The internal routes (signed calls
 * between the shop's processes) are never forwarded by the gateway; the load balancers send
 * them to their module's service as they do its API.
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

/** The paths of the internal routes (internal-signature.ts), by module. */
export const internalPaths = {
    stockReservations: "/internal/stock/reservations",
    accounts: "/internal/users",
    authentication: "/internal/users/authentication",
} as const;

export const internalRoutes: Partial<Record<Module, [Method[], string][]>> = {
    catalog: [[["PUT", "DELETE"], `${internalPaths.stockReservations}/:orderKey`]],
    users: [
        [["POST"], internalPaths.accounts],
        [["POST"], internalPaths.authentication],
    ],
};
