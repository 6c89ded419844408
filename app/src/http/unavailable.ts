/** A dependency is down for a moment: the client gets a clean 503 that says so, never a 500. */
export class Unavailable extends Error {
    readonly statusCode = 503;

    constructor(what: string, options?: { cause?: unknown }) {
        super(`${what} is unavailable for a moment; please try again`, options);
        this.name = "Unavailable";
    }
}

/** Runs `work`; any failure of it becomes an Unavailable naming `what`. */
export async function orUnavailable<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
        return await work();
    } catch {
        throw new Unavailable(what);
    }
}
