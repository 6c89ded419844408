/**
 * The sign-in guard as a password guesser meets it: each guess sent the moment the answer to the
 * last one arrives. The count must be kept before that answer leaves, however long counting takes
 * (a Redis round trip on a busy instance), or the guess past the limit gets through.
 */
import Fastify from "fastify";
import { AttemptCounter, guardSignIn, MemoryAttemptCounter, signInLimit } from "../src/http/rate-limit";

it("counts a failed sign-in before its 401 leaves: the guess past the limit, sent as soon as the last answer arrives, is refused", async () => {
    const counted = new MemoryAttemptCounter();
    const slowCounter: AttemptCounter = {
        current: (key) => counted.current(key),
        add: async (key, windowMs) => {
            await new Promise((resolve) => setTimeout(resolve, 50));
            await counted.add(key, windowMs);
        },
    };
    const app = Fastify();
    app.post("/api/session", guardSignIn(slowCounter), async (_request, reply) => reply.code(401).send({ error: "wrong email or password" }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    try {
        const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/session`;
        const statuses: number[] = [];
        for (let guess = 0; guess < signInLimit.failures + 2; guess++) statuses.push((await fetch(url, { method: "POST" })).status);
        expect(statuses).toEqual([...Array<number>(signInLimit.failures).fill(401), 429, 429]);
    } finally {
        await app.close();
    }
});
