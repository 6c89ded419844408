/**
 * Calls between the shop's own processes that the public must not make (the catalog's stock
 * reservations, the storefront's password checks) carry an HMAC of their method and path under the stack's session secret, which
 * every process of a stack shares: a visitor who reaches the route cannot forge one. The network
 * stays the boundary between services; this keeps an internal route internal behind a public entry.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { ClientError } from "./client-error";

export const signatureHeader = "x-shop-internal-signature";

export function internalSignature(secret: string, method: string, path: string): string {
    return createHmac("sha256", secret).update(`internal:${method.toUpperCase()} ${path}`).digest("base64url");
}

export function validInternalSignature(secret: string, method: string, path: string, given: unknown): boolean {
    if (typeof given !== "string") return false;
    const expected = internalSignature(secret, method, path);
    return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** The headers of a signed call. */
export function signedHeaders(secret: string, method: string, path: string): Record<string, string> {
    return { [signatureHeader]: internalSignature(secret, method, path) };
}

/** An onRequest hook for internal routes: a call without a valid signature is refused (403) before anything runs. */
export async function refuseUnsigned(request: FastifyRequest): Promise<void> {
    if (!validInternalSignature(request.server.sessionSecret, request.method, request.url, request.headers[signatureHeader]))
        throw new ClientError(403, "internal route: the call is not signed by a process of this shop");
}
