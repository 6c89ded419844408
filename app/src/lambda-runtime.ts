/**
 * A Lambda function from a container image serves its invocations through the Runtime API
 * (AWS_LAMBDA_RUNTIME_API): it asks for the next one, does the work, and posts the answer, or the
 * error, which fails the invoker (for the migrations, `aws.lambda.Invocation` and so the deploy).
 */
const base = (api: string) => `http://${api}/2018-06-01/runtime`;

function errorBody(err: unknown): string {
    const error = err instanceof Error ? err : new Error(String(err));
    return JSON.stringify({ errorMessage: error.message, errorType: error.name });
}

/** A failure before the first invocation (configuration, secrets): Lambda reports it to the invoker. */
export async function reportInitError(api: string, err: unknown): Promise<void> {
    await fetch(`${base(api)}/init/error`, {
        method: "POST",
        headers: { "content-type": "application/json", "lambda-runtime-function-error-type": "Runtime.InitError" },
        body: errorBody(err),
    });
}

/** Serves invocations until the environment is frozen or stopped (the loop never ends by itself). */
export async function serveInvocations(api: string, handle: (event: unknown) => Promise<unknown>): Promise<never> {
    for (;;) {
        const next = await fetch(`${base(api)}/invocation/next`);
        const requestId = next.headers.get("lambda-runtime-aws-request-id");
        const text = await next.text();
        if (!next.ok || !requestId) throw new Error(`the Runtime API answered ${next.status} without a request id`);
        let event: unknown;
        try {
            event = text ? JSON.parse(text) : {};
        } catch {
            event = text;
        }
        const where = `${base(api)}/invocation/${encodeURIComponent(requestId)}`;
        try {
            const result = await handle(event);
            await fetch(`${where}/response`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(result) });
        } catch (err) {
            await fetch(`${where}/error`, {
                method: "POST",
                headers: { "content-type": "application/json", "lambda-runtime-function-error-type": "Unhandled" },
                body: errorBody(err),
            });
        }
    }
}
