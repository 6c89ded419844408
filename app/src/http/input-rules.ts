/**
 * The rules every input meets, once for all routes, from the routes' own schemas:
 *   - no control characters in any text (C0 controls and DEL; multi-line fields, marked
 *     `text: "text"`, may hold tabs and line breaks): a NUL byte would make PostgreSQL fail,
 *     a CR or LF split a header;
 *   - strict types: JSON stays as typed (no "3" for 3, no true for 1, no [3] for 3), and the
 *     text of a URL or a form becomes a number only when it is written in decimal digits
 *     ("0x10", "1e1" and " 3" are refused, not read as 16, 10 and 3).
 */
import type { Ajv, KeywordCxt } from "ajv";
import { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import { validatorRequire } from "./fastify-libraries";

/* eslint-disable no-control-regex -- control characters are what these find */
export const controlCharacters = {
    line: /[\u0000-\u001f\u007f]/,
    text: /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/,
} as const;
/* eslint-enable no-control-regex */

/**
 * The Ajv keyword `text` ("line" or "text"), for Fastify's `ajv.plugins`. It generates its check as
 * code, as Ajv's own keywords do, so that a validator can be kept as source (kept-schemas.ts).
 */
export function textKeyword(ajv: Ajv): Ajv {
    // Fastify's Ajv, which calls this, loaded here and not with the shop: a start that finds every schema kept loads no Ajv.
    const { _ } = validatorRequire("ajv") as typeof import("ajv");
    const { usePattern } = validatorRequire("ajv/dist/vocabularies/code") as typeof import("ajv/dist/vocabularies/code");
    ajv.addKeyword({
        keyword: "text",
        type: "string",
        schemaType: "string",
        error: { message: "must not contain control characters" },
        code(cxt: KeywordCxt) {
            const kind = cxt.schema as string;
            if (!Object.hasOwn(controlCharacters, kind)) throw new Error(`text: expected "line" or "text" (got ${JSON.stringify(kind)})`);
            const pattern = usePattern(cxt, controlCharacters[kind as keyof typeof controlCharacters].source);
            cxt.fail(_`${pattern}.test(${cxt.data})`);
        },
    });
    return ajv;
}

type Schema = Record<string, unknown>;

/** A copy of `schema` in which every string without a `text` rule gets the single-line one. */
export function withTextRule(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(withTextRule);
    if (!schema || typeof schema !== "object") return schema;
    const copy: Schema = {};
    for (const [key, value] of Object.entries(schema as Schema)) {
        copy[key] = ["properties", "patternProperties"].includes(key)
            ? Object.fromEntries(Object.entries(value as Schema).map(([name, s]) => [name, withTextRule(s)]))
            : ["items", "anyOf", "oneOf", "allOf", "additionalProperties"].includes(key)
              ? withTextRule(value)
              : value;
    }
    const types = Array.isArray(copy.type) ? copy.type : [copy.type];
    if (types.includes("string") && copy.text === undefined) copy.text = "line";
    return copy;
}

const inputParts = ["body", "querystring", "params", "headers"] as const;
const decimal = /^-?(0|[1-9][0-9]{0,14})$/;

/** Numbers written in decimal digits, for the integer and number fields of `schema`, become numbers. */
function readNumbers(schema: unknown, values: unknown): void {
    const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
    if (!properties || !values || typeof values !== "object") return;
    const record = values as Record<string, unknown>;
    for (const [name, property] of Object.entries(properties)) {
        const value = record[name];
        if ((property.type === "integer" || property.type === "number") && typeof value === "string" && decimal.test(value)) record[name] = Number(value);
    }
}

function isForm(request: FastifyRequest): boolean {
    return (request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
}

/** Applies the rules to every route registered after this call. */
export function registerInputRules(app: FastifyInstance): void {
    app.addHook("onRoute", (route: RouteOptions) => {
        if (!route.schema) return;
        const schema = route.schema as Record<string, unknown>;
        for (const part of inputParts) if (schema[part]) schema[part] = withTextRule(schema[part]);
    });
    app.addHook("preValidation", async (request) => {
        const schema = request.routeOptions.schema;
        if (!schema) return;
        readNumbers(schema.params, request.params);
        readNumbers(schema.querystring, request.query);
        if (isForm(request)) readNumbers(schema.body, request.body);
    });
}
