/**
 * The benchmark's reference: a bare Fastify server answering the product API's JSON from a
 * Map, with no logging, hooks or extra headers; the ceiling the shop's cached read is compared
 * with. `node --import tsx bench/bare-server.ts <products.json>` (an array of products, as the
 * shop's /api/products/:id gives them), listening on PORT.
 */
import Fastify from "fastify";
import * as fs from "node:fs";

const products = new Map<string, string>();
for (const product of JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as { id: number }[]) products.set(String(product.id), JSON.stringify(product));

const app = Fastify({ logger: false });
app.get<{ Params: { id: string } }>("/api/products/:id", (request, reply) => {
    const product = products.get(request.params.id);
    if (product === undefined) return reply.code(404).send({ error: `no product ${request.params.id}` });
    return reply.type("application/json; charset=utf-8").send(product);
});
app.listen({ host: "127.0.0.1", port: Number(process.env.PORT) }).catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
});
