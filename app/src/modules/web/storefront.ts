/**
 * What the storefront's pages ask of the other modules, one interface a module: answered in
 * process by the module's classes where this process owns its data, or by the module's
 * service over HTTP (storefront-services.ts) where it does not (stages 11-15: db/ownership.ts,
 * storefrontRemote). What needs the visitor (their orders, a review, a checkout) takes their
 * session: a service knows the visitor from it, as it does a request the gateway forwards.
 */
import type { User } from "../users/users";
import type { Catalog } from "../catalog/catalog";
import type { Comment, Comments } from "../comments/comments";
import type { Address } from "../orders/address";
import type { Order, Orders } from "../orders/orders";
import type { ProductSearch } from "../search/search";
import type { Users } from "../users/users";

/** A signed-in visitor: who they are, and the session a service knows them by. */
export interface Visitor {
    user: User;
    sessionId: string;
}

export interface Storefront {
    catalog: Pick<Catalog, "categories" | "products" | "product">;
    search: Pick<ProductSearch, "search">;
    comments: Pick<Comments, "forProduct" | "latest"> & {
        /** The visitor's review, or undefined when they have reviewed the product already. */
        add(visitor: Visitor, productId: number, rating: number, body: string): Promise<Comment | undefined>;
    };
    orders: {
        /** Places the visitor's cart as an order (a CheckoutError when it cannot be placed). */
        checkout(visitor: Visitor, idempotencyKey: string, address: Address): Promise<Order>;
        forUser(visitor: Visitor): Promise<Order[]>;
        get(visitor: Visitor, orderId: number): Promise<Order | undefined>;
    };
    /** Accounts: a UserError for a refusal (wrong password, an email taken). */
    users: Pick<Users, "register" | "authenticate">;
}

/** The storefront over the modules' classes, in this process. */
export function inProcessStorefront(shop: { catalog: Catalog; search: ProductSearch; comments: Comments; orders: Orders; users: Users }): Storefront {
    const { catalog, search, comments, orders, users } = shop;
    return {
        catalog,
        search,
        comments: {
            forProduct: (productId, limit) => comments.forProduct(productId, limit),
            latest: (limit) => comments.latest(limit),
            add: (visitor, productId, rating, body) => comments.add(productId, visitor.user.id, visitor.user.name, rating, body),
        },
        orders: {
            checkout: (visitor, key, address) => orders.checkout(visitor.user.id, visitor.sessionId, key, address),
            forUser: (visitor) => orders.forUser(visitor.user.id),
            get: (visitor, orderId) => orders.get(visitor.user.id, orderId),
        },
        users,
    };
}
