/** Helpers of the search tests. */
import { ShopClient } from "./shop";

/** Waits until the shop searches `engine` (OpenSearch once its index is built). */
export async function untilEngine(url: string, engine: string, timeoutMs = 120_000): Promise<void> {
    const client = new ShopClient(url);
    for (const deadline = Date.now() + timeoutMs; ;) {
        const answer = await client.request("GET", "/api/search?q=walnut").catch(() => undefined);
        if (answer?.status === 200 && answer.data.engine === engine) return;
        if (Date.now() > deadline) throw new Error(`search did not answer from ${engine} within ${timeoutMs} ms: ${JSON.stringify(answer?.data)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
}
