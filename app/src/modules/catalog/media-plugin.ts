/**
 * Serves the pictures of the local media directory (the embedded default; with a bucket, pages
 * link to S3 directly). SVG from the shop's own origin gets a policy of its own: no script, no
 * loads, so a picture can never act as a page.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { FastifyPluginAsync } from "fastify";

export function localMediaPlugin(dir: string): FastifyPluginAsync {
    return async (app) => {
        app.get<{ Params: { file: string } }>(
            "/media/products/:file",
            { schema: { params: { type: "object", properties: { file: { type: "string", pattern: "^[A-Za-z0-9_-]{1,80}\\.svg$" } }, required: ["file"] } } },
            async (request, reply) => {
                const body = await fs.readFile(path.join(dir, "products", request.params.file)).catch(() => undefined);
                if (!body) return reply.code(404).send({ error: "no such picture" });
                return reply
                    .type("image/svg+xml")
                    .header("cache-control", "public, max-age=86400")
                    .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
                    .send(body);
            },
        );
    };
}
