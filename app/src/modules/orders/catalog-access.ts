/**
 * What orders, carts and comments ask of the catalog (products' names and prices, stock taken and
 * given back), answered in process when this process owns the catalog, or by the catalog's
 * service (stages 11-13) through a ServiceClient: timeouts, retries of the idempotent calls,
 * a circuit breaker. Orders never touch the catalog's tables.
 */
import { ServiceClient, ServiceResponse } from "../../gateway/service-client";
import { internalSignature, signatureHeader } from "../../http/internal-signature";
import { Unavailable } from "../../http/unavailable";
import { Catalog, Product } from "../catalog/catalog";
import { Reservation, Stock, StockLine } from "../catalog/stock";
import { stockReservationsPath } from "../catalog/stock-plugin";

export type ProductFacts = Pick<Product, "id" | "name" | "priceCents" | "stock">;

export interface CatalogAccess {
    readonly where: "in-process" | "service";
    productsByIds(ids: number[]): Promise<Map<number, ProductFacts>>;
    /** Takes the lines' stock for the order, all or nothing, once per (order, product). */
    reserve(orderKey: string, lines: StockLine[]): Promise<Reservation>;
    /** Gives the order's reserved stock back, once. */
    release(orderKey: string): Promise<void>;
}

export function inProcessCatalog(catalog: Catalog, stock: Stock): CatalogAccess {
    return {
        where: "in-process",
        productsByIds: (ids) => catalog.productsByIds(ids),
        reserve: (orderKey, lines) => stock.reserve(orderKey, lines),
        release: (orderKey) => stock.release(orderKey),
    };
}

export class CatalogService implements CatalogAccess {
    readonly where = "service";

    constructor(
        readonly client: ServiceClient,
        private readonly secret: string,
    ) {}

    async productsByIds(ids: number[]): Promise<Map<number, ProductFacts>> {
        const found = await Promise.all(
            [...new Set(ids)].map(async (id) => {
                const answer = await this.call("GET", `/api/products/${id}`);
                if (answer.status === 404) return undefined;
                this.expect(answer, [200]);
                const product = JSON.parse(answer.body) as Product;
                return { id: product.id, name: product.name, priceCents: product.priceCents, stock: product.stock };
            }),
        );
        return new Map(found.filter((p): p is ProductFacts => p !== undefined).map((p) => [p.id, p]));
    }

    async reserve(orderKey: string, lines: StockLine[]): Promise<Reservation> {
        const answer = await this.call("PUT", `${stockReservationsPath}/${encodeURIComponent(orderKey)}`, { lines });
        if (answer.status === 409) return { reserved: false, problem: (JSON.parse(answer.body) as { error: string }).error };
        this.expect(answer, [200]);
        return { reserved: true };
    }

    async release(orderKey: string): Promise<void> {
        this.expect(await this.call("DELETE", `${stockReservationsPath}/${encodeURIComponent(orderKey)}`), [204]);
    }

    private call(method: string, path: string, body?: unknown): Promise<ServiceResponse> {
        const headers: Record<string, string> = { accept: "application/json", [signatureHeader]: internalSignature(this.secret, method, path) };
        if (body !== undefined) headers["content-type"] = "application/json";
        return this.client.call({ method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    }

    /** Anything but the expected answer is the catalog service failing this call: a 503 naming it, the saga resumed later. */
    private expect(answer: ServiceResponse, statuses: number[]): void {
        if (!statuses.includes(answer.status))
            throw new Unavailable("the catalog service", { cause: new Error(`answered ${answer.status}: ${answer.body.slice(0, 200)}`) });
    }
}
