/** What a failed OpenSearch call answered; apart from the client, so that reading it loads no client. */
/** The HTTP status of a failed OpenSearch call, when it got one. */
export function statusOf(err: unknown): number | undefined {
    const meta = (err as { meta?: { statusCode?: number } } | undefined)?.meta;
    return typeof meta?.statusCode === "number" ? meta.statusCode : undefined;
}
