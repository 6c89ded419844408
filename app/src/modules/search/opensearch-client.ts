/**
 * The OpenSearch client for SHOP_SEARCH_URL: the user named in the URL and SHOP_SEARCH_PASSWORD
 * sent as basic authentication (fine-grained access control's master user on the AWS domain),
 * TLS verified against the system's certificate authorities (and NODE_EXTRA_CA_CERTS).
 */
import { Client } from "@opensearch-project/opensearch";

export function openSearchClient(searchUrl: string, password: string | undefined, requestTimeoutMs: number): Client {
    const url = new URL(searchUrl);
    const username = decodeURIComponent(url.username);
    url.username = "";
    url.password = "";
    return new Client({
        node: url.href,
        auth: username ? { username, password: password ?? "" } : undefined,
        ssl: { rejectUnauthorized: true },
        requestTimeout: requestTimeoutMs,
        maxRetries: 0,
        compression: "gzip",
    });
}
