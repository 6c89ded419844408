/**
 * Fastify's own copies of the libraries that compile its schemas, found from Fastify as its
 * default compilers find them: a keyword or kept code built with another copy of Ajv (one the
 * shop's packages might also hold) would not be the Ajv that runs it.
 */
import { createRequire } from "node:module";

/** `require` from Fastify's package. */
export const fastifyRequire = createRequire(createRequire(__filename).resolve("fastify"));
/** `require` as Fastify's validator compiler requires: its Ajv, ajv-formats and Ajv's runtime parts. */
export const validatorRequire = createRequire(fastifyRequire.resolve("@fastify/ajv-compiler"));
/** `require` as fast-json-stringify requires: its runtime parts and its Ajv. */
export const serializerRequire = createRequire(fastifyRequire.resolve("fast-json-stringify"));
