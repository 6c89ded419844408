/** A refusal of the client's request (4xx) with a message for a person; the error handler answers it as HTML or JSON. */
export class ClientError extends Error {
    constructor(
        readonly statusCode: number,
        message: string,
        readonly headers: Record<string, string> = {},
    ) {
        super(message);
        this.name = "ClientError";
    }
}
