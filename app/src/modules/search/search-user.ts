/**
 * The search domain's application user (docs/contracts.md, "Migration entry"): `shop_search`,
 * an internal user of the security plugin whose role reaches only the shop's products index
 * (its alias and the versioned indices behind it), made or updated through the security API
 * with the master user, idempotently (PUT). The shop's processes then sign in as it.
 */
import { productsAlias } from "./product-index";

export const searchUser = "shop_search";

/** The index patterns the user's role may use: the alias and the indices a reindex builds behind it. */
export const searchIndexPatterns = [productsAlias, `${productsAlias}-*`];

export async function ensureSearchUser(searchUrl: string, masterPassword: string | undefined, password: string): Promise<void> {
    const url = new URL(searchUrl);
    const master = decodeURIComponent(url.username);
    url.username = "";
    url.password = "";
    const api = `${url.href.replace(/\/+$/, "")}/_plugins/_security/api`;
    const headers = {
        "content-type": "application/json",
        ...(master ? { authorization: `Basic ${Buffer.from(`${master}:${masterPassword ?? ""}`).toString("base64")}` } : {}),
    };
    const put = async (path: string, body: unknown) => {
        const answer = await fetch(`${api}/${path}`, { method: "PUT", headers, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
        if (!answer.ok) throw new Error(`the search domain's security API refused PUT ${path}: ${answer.status} ${(await answer.text()).slice(0, 300)}`);
    };
    await put(`roles/${searchUser}`, {
        // Bulk writes and multi-searches are cluster-level actions; health is what the shop's start asks.
        cluster_permissions: ["cluster_composite_ops", "cluster:monitor/health"],
        index_permissions: [{ index_patterns: searchIndexPatterns, allowed_actions: ["indices_all"] }],
    });
    await put(`internalusers/${searchUser}`, { password, backend_roles: [] });
    await put(`rolesmapping/${searchUser}`, { users: [searchUser] });
}
