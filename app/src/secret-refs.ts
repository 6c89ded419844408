/**
 * The migration function's secrets, by reference (SHOP_SECRET_REFS): read from Secrets Manager
 * into the process's environment before the configuration is, so that no value sits in the
 * function's configuration. A secret may be a string, or JSON of which `jsonKey` is taken.
 */
import { readSecretRefs } from "./config";

/** Resolves every reference into `env`; throws one error naming each variable that could not be read. */
export async function resolveSecretRefs(env: Record<string, string | undefined> = process.env): Promise<string[]> {
    const refs = readSecretRefs(env);
    const names = Object.keys(refs);
    if (names.length === 0) return [];
    // Loaded only where there are references to read (the migration function): no other start pays for it.
    const { GetSecretValueCommand, SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
    const client = new SecretsManagerClient({});
    const problems: string[] = [];
    try {
        await Promise.all(
            names.map(async (name) => {
                const { secretArn, jsonKey } = refs[name];
                try {
                    const secret = (await client.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
                    if (secret === undefined) throw new Error("the secret has no string value");
                    const value = jsonKey === undefined ? secret : (JSON.parse(secret) as Record<string, unknown>)[jsonKey];
                    if (typeof value !== "string") throw new Error(`the secret has no string ${JSON.stringify(jsonKey)}`);
                    env[name] = value;
                } catch (err) {
                    problems.push(`${name} (${secretArn}): ${err instanceof Error ? err.message : String(err)}`);
                }
            }),
        );
    } finally {
        client.destroy();
    }
    if (problems.length > 0) throw new Error(`SHOP_SECRET_REFS: could not read ${problems.sort().join("; ")}`);
    return names;
}
