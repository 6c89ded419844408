import { shellQuote } from "./shell";

/**
 * The shop's environment contract on an instance: plain variables, and secrets read from
 * Secrets Manager at boot (a whole secret, or one key of a JSON secret), written into a
 * root-only env file for `docker run --env-file`. Secrets never appear in the launch
 * template or the instance's user data, only their ARNs.
 */
export interface ShopEnvironment {
    /** Plain environment: the topology (database and cache URLs, modules, region). */
    environment: Record<string, string>;
    /** Variables read from Secrets Manager at boot. */
    secrets: Record<string, { secretArn: string; jsonKey?: string; version?: string }>;
}

const envName = /^[A-Z_][A-Z0-9_]*$/;

export function envFileProblems(env: ShopEnvironment): string[] {
    return [
        ...[...Object.keys(env.environment), ...Object.keys(env.secrets)]
            .filter((k) => !envName.test(k))
            .map((k) => `${k} is not an environment variable name`),
        ...Object.entries(env.environment)
            .filter(([, v]) => /[\n\r\0]/.test(v))
            .map(([k]) => `${k} has a line break`),
        ...Object.keys(env.secrets)
            .filter((k) => k in env.environment)
            .map((k) => `${k} is both plain and secret`),
        ...Object.entries(env.secrets)
            .filter(([, s]) => s.jsonKey !== undefined && !/^[A-Za-z0-9_]+$/.test(s.jsonKey))
            .map(([k]) => `${k}: jsonKey must be a plain key`),
    ];
}

/** Shell lines that write `env` into the root-only file `file` (needs the AWS CLI and, for JSON keys, jq). */
export function renderEnvFile(file: string, env: ShopEnvironment, region: string): string {
    const plain = Object.entries(env.environment).map(([k, v]) => `printf '%s\\n' ${shellQuote(`${k}=${v}`)} >> ${file}`);
    const secret = Object.entries(env.secrets).map(([k, s]) => {
        // A secret lives in the region its ARN names (another region's database, from a secondary region).
        const secretRegion = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):/.exec(s.secretArn)?.[1] ?? region;
        const fetch = `aws secretsmanager get-secret-value --region ${shellQuote(secretRegion)} --secret-id ${shellQuote(s.secretArn)} --query SecretString --output text`;
        const value = s.jsonKey ? `$(${fetch} | jq -r ${shellQuote(`.${s.jsonKey}`)})` : `$(${fetch})`;
        // An assignment of its own, so that a failed fetch stops the script (set -e) instead of writing an empty value.
        return `value=${value}\nprintf '%s=%s\\n' ${k} "$value" >> ${file}`;
    });
    return [`install -m 600 /dev/null ${file}`, ...plain, ...secret].join("\n");
}
