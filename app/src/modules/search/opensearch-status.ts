/**
 * The HTTP status of a failed OpenSearch call, when it got one: apart from the client, so that a
 * module that reads it loads no client.
 */
export function statusOf(err: unknown): number | undefined {
    const meta = (err as { meta?: { statusCode?: number } } | undefined)?.meta;
    return typeof meta?.statusCode === "number" ? meta.statusCode : undefined;
}
