import { envFileProblems, renderEnvFile, ShopEnvironment } from "./env-file";
import { fetchRdsCertificates, mountRdsCertificates } from "./rds-certificates";
import { ecrLoginLine } from "./ecr-login";
import { shellQuote } from "./shell";
import { collectorHostOnInstances, traceCollectorConfig, traceCollectorImage } from "../trace-collector";

/**
 * The first-boot script of an application fleet instance: Docker, an ECR login when the
 * image lives in ECR, the secrets fetched from Secrets Manager into a root-only env file,
 * and the shop's container with its environment contract. A pure function of its inputs,
 * so the tests can check it with `bash -n`.
 */
export interface AppUserDataArgs extends ShopEnvironment {
    /** The shop's image: a tag or, better, a digest. */
    image: string;
    /** The port the shop listens on, in the container and on the instance. */
    port: number;
    region: string;
    logGroupName: string;
    /** Fetch the RDS certificate authorities at boot, for TLS to RDS verified. @default false */
    rdsCertificates?: boolean;
    /**
     * Shared configuration read at boot from SSM Parameter Store: every parameter under `path`,
     * named by its last segment. `version` (a digest of the values) goes into the script, so a
     * changed value rolls the fleet. @default none
     */
    sharedConfig?: { path: string; version: string };
    /** Run the trace collector beside the shop (SHOP_OTLP_ENDPOINT names it, stage 12 on). @default false */
    traceCollector?: boolean;
}

export function renderAppUserData(args: AppUserDataArgs): string {
    const problems = envFileProblems(args);
    if (problems.length > 0) throw new Error(`renderAppUserData: ${problems.join("; ")}`);
    const envFile = renderEnvFile('"$env_file"', { environment: { PORT: String(args.port), ...args.environment }, secrets: args.secrets }, args.region);

    return `#!/bin/bash
# shop-evolution application instance.
set -euo pipefail
exec > >(tee -a /var/log/shop-bootstrap.log) 2>&1

dnf install -y docker jq
systemctl enable --now docker
${ecrLoginLine(args.image)}
${secretVersions(args.secrets)}# The environment contract; secrets only in this root-only file, never in the launch template.
env_file=/etc/shop.env
${envFile}
${
    args.sharedConfig
        ? `${readSharedConfig(args.sharedConfig, args.region)}
`
        : ""
}${args.rdsCertificates ? `${fetchRdsCertificates("/etc/shop-certs/rds-ca.pem")}\n` : ""}${args.traceCollector ? `${runTraceCollector(args)}\n` : ""}
docker run -d --name shop --restart always --env-file "$env_file" \\
  -p ${args.port}:${args.port} --stop-timeout 30 \\${args.traceCollector ? `\n  --add-host ${collectorHostOnInstances}:host-gateway \\` : ""}${args.rdsCertificates ? `\n  ${mountRdsCertificates("/etc/shop-certs/rds-ca.pem")} \\` : ""}
  --log-driver awslogs --log-opt awslogs-region=${shellQuote(args.region)} --log-opt awslogs-group=${shellQuote(args.logGroupName)} \\
  ${shellQuote(args.image)}
`;
}

/**
 * Shell lines that start the trace collector on the instance's own network, where it reaches the
 * instance's rights (instance metadata answers one hop, out of the containers' reach); the shop's
 * container knows the instance as `otel-collector`. No security group admits its port.
 */
function runTraceCollector(args: AppUserDataArgs): string {
    return `# Traces: the ADOT collector, sending the shop's spans to X-Ray.
mkdir -p /etc/otel-collector
cat > /etc/otel-collector/config.yaml <<'OTEL'
${traceCollectorConfig(args.region, "0.0.0.0").trimEnd()}
OTEL
docker run -d --name otel-collector --restart always --network host \\
  -v /etc/otel-collector/config.yaml:/etc/otel-collector/config.yaml:ro \\
  --log-driver awslogs --log-opt awslogs-region=${shellQuote(args.region)} --log-opt awslogs-group=${shellQuote(args.logGroupName)} \\
  ${shellQuote(traceCollectorImage)} --config=/etc/otel-collector/config.yaml`;
}

/** Shell lines that append every parameter under the path to the env file, as NAME=value. */
function readSharedConfig(shared: { path: string; version: string }, region: string): string {
    if (!/^\/[A-Za-z0-9_./-]+$/.test(shared.path))
        throw new Error(`renderAppUserData: sharedConfig.path must be an SSM path (got ${JSON.stringify(shared.path)})`);
    return `# Shared configuration from SSM Parameter Store, version ${shared.version.replace(/[^a-f0-9]/g, "")}.
aws ssm get-parameters-by-path --region ${shellQuote(region)} --path ${shellQuote(shared.path)} --recursive \\
  --query 'Parameters[].[Name,Value]' --output text > /etc/shop.shared
while IFS=$'\\t' read -r name value; do printf '%s=%s\\n' "\${name##*/}" "$value" >> "$env_file"; done < /etc/shop.shared
rm -f /etc/shop.shared`;
}

/** A comment naming each secret's version: a rotated password is a new script, and so a rolling refresh of the fleet. */
function secretVersions(secrets: AppUserDataArgs["secrets"]): string {
    const versions = Object.entries(secrets)
        .filter(([, s]) => s.version)
        .map(([name, s]) => `${name}=${s.version!.replace(/[^A-Za-z0-9-]/g, "")}`)
        .sort();
    return versions.length > 0 ? `# Secret versions read at boot: ${versions.join(" ")}\n` : "";
}
