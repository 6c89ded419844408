import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { ServingCell } from "./region-cell";
import { ServerWiring } from "./server-wiring";

/**
 * The key that signs the shop's session cookies and CSRF tokens (`SHOP_SESSION_SECRET`), one
 * for the whole stack and kept in Secrets Manager: every instance of every fleet and region
 * must accept a cookie any other signed, and a restart must not sign everyone out.
 */
export function sessionSecret(home: ServingCell, protect: boolean): ServerWiring {
    const opts = { provider: home.provider, protect };
    const value = new random.RandomPassword(`shop-session-${home.region}`, { length: 64, special: false }, opts);
    const secret = new aws.secretsmanager.Secret(`shop-session-${home.region}`, { description: "Signs the shop's session cookies and CSRF tokens" }, opts);
    new aws.secretsmanager.SecretVersion(`shop-session-${home.region}`, { secretId: secret.id, secretString: value.result }, opts);
    return { environment: {}, secrets: { SHOP_SESSION_SECRET: { secretArn: secret.arn, value: value.result } }, egressPorts: [] };
}
