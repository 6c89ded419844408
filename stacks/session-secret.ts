import { generatedSecret } from "./generated-secret";
import { ServingCell } from "./region-cell";
import { ServerWiring } from "./server-wiring";

/**
 * The key that signs the shop's session cookies and CSRF tokens (`SHOP_SESSION_SECRET`), one
 * for the whole stack and kept in Secrets Manager: every instance of every fleet and region
 * must accept a cookie any other signed, and a restart must not sign everyone out.
 */
export function sessionSecret(home: ServingCell, protect: boolean): ServerWiring {
    const { secretArn, value } = generatedSecret(
        `shop-session-${home.region}`,
        { description: "Signs the shop's session cookies and CSRF tokens", password: { length: 64, special: false } },
        { provider: home.provider, protect },
    );
    return { domain: "shared", environment: {}, secrets: { SHOP_SESSION_SECRET: { secretArn, value } }, egressPorts: [] };
}
