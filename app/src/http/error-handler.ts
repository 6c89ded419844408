/**
 * One error policy for every route: the same status and message for everyone, as a page for
 * a browser (it asks for text/html, outside /api) and as JSON for an API client. Bad input
 * is a 400 naming the field in plain words; a refusal keeps its status; an outage (the
 * database, Redis, a service) is a 503 with Retry-After naming what is down; anything else
 * is a 500 that says nothing of the inside, and is logged.
 */
import { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { html } from "./html";
import { page } from "../web/layout";
import { ClientError } from "./client-error";
import { Unavailable } from "./unavailable";
import { UserError } from "../modules/users/users";
import { CheckoutError } from "../modules/orders/orders";

interface ValidationIssue {
    keyword: string;
    instancePath: string;
    params: Record<string, unknown>;
    message?: string;
}

/** "body/password must NOT have fewer than 10 characters" as a person would say it: "password must have at least 10 characters". */
export function readableValidation(issue: ValidationIssue, context?: string): string {
    const field = issue.instancePath.replace(/^\//, "").replace(/\//g, ".") || String(issue.params.missingProperty ?? context ?? "input");
    const p = issue.params;
    switch (issue.keyword) {
        case "required":
            return `${String(p.missingProperty)} is required`;
        case "minLength":
            return Number(p.limit) === 1 ? `${field} must not be empty` : `${field} must have at least ${String(p.limit)} characters`;
        case "maxLength":
            return `${field} must have at most ${String(p.limit)} characters`;
        case "type":
            return `${field} must be ${p.type === "integer" ? "a whole number" : p.type === "number" ? "a number" : p.type === "string" ? "text" : `of type ${String(p.type)}`}`;
        case "minimum":
            return `${field} must be at least ${String(p.limit)}`;
        case "maximum":
            return `${field} must be at most ${String(p.limit)}`;
        case "format":
            return p.format === "email" ? `${field} must be an email address` : `${field} must be a valid ${String(p.format)}`;
        case "pattern":
            return `${field} is not in the expected form`;
        case "enum":
            return `${field} must be one of ${((p.allowedValues as unknown[]) ?? []).join(", ")}`;
        case "additionalProperties":
            return `${String(p.additionalProperty)} is not expected`;
        default:
            return `${field} ${issue.message ?? "is not valid"}`;
    }
}

/** Whether the client is a browser wanting a page, rather than an API client wanting JSON. */
export function wantsPage(request: FastifyRequest): boolean {
    return !request.url.startsWith("/api/") && (request.headers.accept ?? "").includes("text/html");
}

const titles: Record<number, string> = {
    400: "Please check",
    403: "Not allowed",
    404: "Not found",
    413: "Too large",
    429: "Too many attempts",
    503: "A moment, please",
};

/** Answers `status` and `message` as a page or as JSON `{ error }` (with `extra` fields), as the client prefers. */
export function sendError(request: FastifyRequest, reply: FastifyReply, status: number, message: string, extra: Record<string, unknown> = {}) {
    reply.code(status);
    if (!wantsPage(request)) return reply.send({ error: message, ...extra });
    const sentence = message.charAt(0).toUpperCase() + message.slice(1) + (/[.!?]$/.test(message) ? "" : ".");
    const body = html`<p><a href="/">Back to the shop</a></p>`;
    return reply
        .type("text/html; charset=utf-8")
        .send(page(request, { title: titles[status] ?? (status >= 500 ? "Sorry" : "Not done"), error: sentence }, body).value);
}

export function registerErrorHandler(app: FastifyInstance): void {
    app.setErrorHandler((error: FastifyError, request, reply) => {
        if (error.validation) return sendError(request, reply, 400, readableValidation(error.validation[0] as ValidationIssue, error.validationContext));
        if (error instanceof UserError) return sendError(request, reply, error.status, `${error.field}: ${error.message}`);
        if (error instanceof CheckoutError) {
            // Counted in CloudWatch by the stacks' metric filter on this message.
            request.log.warn({ status: error.status, reason: error.message, order: error.order?.id }, "checkout failed");
            return sendError(request, reply, error.status, error.message, { order: error.order });
        }
        if (error instanceof Unavailable) {
            request.log.warn({ err: error.message, cause: (error.cause as Error | undefined)?.message }, "dependency unavailable");
            return sendError(request, reply.header("retry-after", "2"), 503, error.message);
        }
        if (error instanceof ClientError) {
            for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
            return sendError(request, reply, error.statusCode, error.message);
        }
        if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return sendError(request, reply, 413, "the request is too large");
        if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return sendError(request, reply, error.statusCode, error.message);
        request.log.error({ err: error }, "request failed");
        return sendError(request, reply, 500, "something went wrong on our side; please try again");
    });
    app.setNotFoundHandler((request, reply) => sendError(request, reply, 404, `there is no page ${request.url.split("?")[0]}`));
}
