/**
 * The storefront's modules through their services (stages 11-15, where the process serving
 * the pages does not own their data): the services' JSON APIs, and for accounts the users
 * service's internal routes, signed (internal-signature.ts). Each service is called through a
 * ServiceClient (timeouts, retries of idempotent calls, a circuit breaker). A refusal the page
 * shows comes back as the error the module raises in process (a UserError, a CheckoutError);
 * any answer the call does not expect, a 5xx or no answer is an Unavailable naming the service:
 * the shop's 503 page.
 */
import { internalPaths } from "../../gateway/routes";
import { ServiceClient } from "../../gateway/service-client";
import { ServiceClients } from "../../gateway/service-clients";
import { ClientError } from "../../http/client-error";
import { signedHeaders } from "../../http/internal-signature";
import { csrfTokenFor, sessionCookie } from "../../http/session";
import { Unavailable } from "../../http/unavailable";
import type { Category, Product, ProductPage } from "../catalog/catalog";
import type { Comment } from "../comments/comments";
import { CheckoutError, Order } from "../orders/orders";
import type { SearchResult } from "../search/query";
import { User, UserError } from "../users/users";
import { StorefrontModule } from "../../db/ownership";
import { Storefront, Visitor } from "./storefront";

export interface ServiceAccess {
    /** SHOP_SESSION_SECRET, which every process of a stack shares: signs internal calls and derives a visitor's CSRF token. */
    secret: string;
    /** A session id as the session cookie's signed value (@fastify/cookie's signCookie). */
    signCookie(value: string): string;
}

interface CallOptions {
    body?: unknown;
    headers?: Record<string, string>;
    /** The call is the visitor's: it carries their session cookie and CSRF token. */
    visitor?: Visitor;
    /** An internal route: the call is signed. */
    signed?: boolean;
}

/** One module's service as the storefront calls it: JSON in and out. */
class ModuleService {
    constructor(
        private readonly client: ServiceClient,
        private readonly access: ServiceAccess,
    ) {}

    /** The service's answer when its status is one of `expected`; anything else is the service failing this call. */
    async call<T>(method: string, path: string, expected: number[], options: CallOptions = {}): Promise<{ status: number; body: T }> {
        const headers: Record<string, string> = { accept: "application/json", ...options.headers };
        if (options.body !== undefined) headers["content-type"] = "application/json";
        if (options.signed) Object.assign(headers, signedHeaders(this.access.secret, method, path));
        if (options.visitor) {
            headers.cookie = `${sessionCookie}=${encodeURIComponent(this.access.signCookie(options.visitor.sessionId))}`;
            headers["x-csrf-token"] = csrfTokenFor(this.access.secret, options.visitor.sessionId);
        }
        const answer = await this.client.call({ method, path, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
        if (!expected.includes(answer.status))
            throw new Unavailable(`the ${this.client.name} service`, {
                cause: new Error(`${method} ${path} answered ${answer.status}: ${answer.body.slice(0, 200)}`),
            });
        return { status: answer.status, body: (answer.body ? JSON.parse(answer.body) : undefined) as T };
    }
}

/** A query string of the given values (the undefined ones left out). */
function query(values: Record<string, string | number | undefined>): string {
    return new URLSearchParams(Object.entries(values).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]]))).toString();
}

type Refusal = { error: string; field?: string; order?: Order };

const remote: { [M in StorefrontModule]: (service: ModuleService) => Storefront[M] } = {
    catalog: (service) => ({
        categories: async () => (await service.call<Category[]>("GET", "/api/categories", [200])).body,
        products: async ({ categorySlug, page, pageSize }) =>
            (await service.call<ProductPage>("GET", `/api/products?${query({ category: categorySlug, page, pageSize })}`, [200])).body,
        product: async (id) => {
            const answer = await service.call<Product>("GET", `/api/products/${id}`, [200, 404]);
            return answer.status === 200 ? answer.body : undefined;
        },
    }),
    search: (service) => ({
        search: async (q) => {
            const values = {
                q: q.text,
                page: q.page,
                limit: q.limit,
                category: q.category,
                minPrice: q.minPriceCents,
                maxPrice: q.maxPriceCents,
                sort: q.sort,
            };
            return (await service.call<SearchResult>("GET", `/api/search?${query(values)}`, [200])).body;
        },
    }),
    comments: (service) => ({
        // The API gives a product's latest 50 and the shop's latest 20: the page shows fewer.
        forProduct: async (productId, limit) => {
            const { body } = await service.call<{ items: Comment[]; count: number; averageRating: number | null }>(
                "GET",
                `/api/products/${productId}/comments`,
                [200],
            );
            return { ...body, items: body.items.slice(0, limit) };
        },
        latest: async (limit) => (await service.call<Comment[]>("GET", "/api/comments/latest", [200])).body.slice(0, limit),
        add: async (visitor, productId, rating, body) => {
            const answer = await service.call<Comment | Refusal>("POST", `/api/products/${productId}/comments`, [201, 404, 409], {
                visitor,
                body: { rating, body },
            });
            if (answer.status === 404) throw new ClientError(404, (answer.body as Refusal).error);
            return answer.status === 201 ? (answer.body as Comment) : undefined;
        },
    }),
    orders: (service) => ({
        checkout: async (visitor, idempotencyKey, address) => {
            const answer = await service.call<Order | Refusal>("POST", "/api/checkout", [200, 400, 402, 409], {
                visitor,
                body: { address },
                headers: { "idempotency-key": idempotencyKey },
            });
            if (answer.status === 200) return answer.body as Order;
            const refusal = answer.body as Refusal;
            throw new CheckoutError(refusal.error, answer.status, refusal.order);
        },
        forUser: async (visitor) => (await service.call<Order[]>("GET", "/api/orders", [200], { visitor })).body,
        get: async (visitor, orderId) => {
            const answer = await service.call<Order>("GET", `/api/orders/${orderId}`, [200, 404], { visitor });
            return answer.status === 200 ? answer.body : undefined;
        },
    }),
    users: (service) => {
        const account = async (path: string, ok: number, refusals: number[], body: unknown): Promise<User> => {
            const answer = await service.call<User | Refusal>("POST", path, [ok, ...refusals], { signed: true, body });
            if (answer.status === ok) return answer.body as User;
            const refusal = answer.body as Refusal;
            throw new UserError(refusal.field ?? "input", refusal.error, answer.status);
        };
        return {
            authenticate: (email, password) => account(internalPaths.authentication, 200, [400, 401], { email, password }),
            register: (email, name, password) => account(internalPaths.accounts, 201, [400, 409], { email, name, password }),
        };
    },
};

/** The storefront with each of the `services`' modules answered by its service at the given URL. */
export function withServices(
    local: Storefront,
    services: Partial<Record<StorefrontModule, string>>,
    access: ServiceAccess,
    clients: ServiceClients,
): Storefront {
    const storefront: Storefront = { ...local };
    for (const [module, url] of Object.entries(services) as [StorefrontModule, string][]) {
        // Each module its own client, whose breaker opens for that service alone.
        (storefront as Record<StorefrontModule, unknown>)[module] = remote[module](new ModuleService(clients.client("storefront", module, url), access));
    }
    return storefront;
}
