import { shellQuote } from "./shell";

/**
 * The first-boot script of an application fleet instance: Docker, an ECR login when the
 * image lives in ECR, the secrets fetched from Secrets Manager into a root-only env file,
 * and the shop's container with its environment contract. A pure function of its inputs,
 * so the tests can check it with `bash -n`.
 */
export interface AppUserDataArgs {
    /** The shop's image: a tag or, better, a digest. */
    image: string;
    /** The port the shop listens on, in the container and on the instance. */
    port: number;
    region: string;
    logGroupName: string;
    /** Plain environment: the topology (database and cache URLs, modules, region). */
    environment: Record<string, string>;
    /** Variables read from Secrets Manager at boot: a whole secret, or one key of a JSON secret. */
    secrets: Record<string, { secretArn: string; jsonKey?: string }>;
}

const envName = /^[A-Z_][A-Z0-9_]*$/;

export function renderAppUserData(args: AppUserDataArgs): string {
    const problems = [
        ...[...Object.keys(args.environment), ...Object.keys(args.secrets)].filter((k) => !envName.test(k)).map((k) => `${k} is not an environment variable name`),
        ...Object.entries(args.environment).filter(([, v]) => /[\n\r\0]/.test(v)).map(([k]) => `${k} has a line break`),
        ...Object.keys(args.secrets).filter((k) => k in args.environment).map((k) => `${k} is both plain and secret`),
        ...Object.entries(args.secrets).filter(([, s]) => s.jsonKey !== undefined && !/^[A-Za-z0-9_]+$/.test(s.jsonKey)).map(([k]) => `${k}: jsonKey must be a plain key`),
    ];
    if (problems.length > 0) throw new Error(`renderAppUserData: ${problems.join("; ")}`);
    const registry = args.image.includes(".dkr.ecr.") ? args.image.split("/")[0] : "";
    const plain = Object.entries({ PORT: String(args.port), ...args.environment }).map(([k, v]) => `printf '%s\\n' ${shellQuote(`${k}=${v}`)} >> "$env_file"`);
    const secret = Object.entries(args.secrets).map(([k, s]) => {
        const fetch = `aws secretsmanager get-secret-value --region ${shellQuote(args.region)} --secret-id ${shellQuote(s.secretArn)} --query SecretString --output text`;
        const value = s.jsonKey ? `$(${fetch} | jq -r ${shellQuote(`.${s.jsonKey}`)})` : `$(${fetch})`;
        // An assignment of its own, so that a failed fetch stops the script (set -e) instead of writing an empty value.
        return `value=${value}\nprintf '%s=%s\\n' ${k} "$value" >> "$env_file"`;
    });

    return `#!/bin/bash
# shop-evolution application instance.
set -euo pipefail
exec > >(tee -a /var/log/shop-bootstrap.log) 2>&1

dnf install -y docker jq
systemctl enable --now docker
${registry ? `aws ecr get-login-password --region ${shellQuote(args.region)} | docker login --username AWS --password-stdin ${shellQuote(registry)}\n` : ""}
# The environment contract; secrets only in this root-only file, never in the launch template.
env_file=/etc/shop.env
install -m 600 /dev/null "$env_file"
${[...plain, ...secret].join("\n")}

docker run -d --name shop --restart always --env-file "$env_file" \\
  -p ${args.port}:${args.port} --stop-timeout 30 \\
  --log-driver awslogs --log-opt awslogs-region=${shellQuote(args.region)} --log-opt awslogs-group=${shellQuote(args.logGroupName)} \\
  ${shellQuote(args.image)}
`;
}
