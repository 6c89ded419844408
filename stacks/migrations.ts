import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { rdsCaPath, rdsCaUrl } from "../components/compute/rds-certificates";
import { assumableBy, policyDocument } from "../components/iam";
import { StackConfig } from "./config";
import { DataDomain, dataDomains, modulesOf } from "./ownership";
import { ServingCell } from "./region-cell";
import { mergedEnvironment, secretRefs, ServerWiring } from "./server-wiring";
import { projectRoot } from "../tools/project-root";

/** Where the migration function keeps the RDS bundle it fetches: Lambda's one writable directory. */
const lambdaCaFile = "/tmp/rds-ca.pem";

/** A variable of the fleets as the migration function gets it: database URLs verify TLS against the bundle it fetched into /tmp. */
export function forLambda(value: string): string {
    return value.split(rdsCaPath).join(lambdaCaFile);
}

/** A digest of the shop's schema (app/src/db/migrations.ts): new migrations run the functions again, whatever the image's tag. */
function schemaDigest(): string {
    // From the project root, not this file: the plan also runs compiled from bin/.
    return digest(fs.readFileSync(path.join(projectRoot, "app/src/db/migrations.ts"), "utf8"));
}

function digest(value: unknown): string {
    return createHash("sha256")
        .update(typeof value === "string" ? value : JSON.stringify(value))
        .digest("hex")
        .slice(0, 16);
}

/** The image's second entry (the shared contract with app/src/migrate.ts): migrations, seed and roles, then exit. */
export const migrateCommand = ["node", "dist/migrate.js"];

/**
 * The group of each domain's migration function, in the home region (stage 2 on): the stores
 * of that domain admit it (see `admittedGroups`), and it reaches out only to PostgreSQL in the
 * VPC and to HTTPS (OpenSearch in the VPC; Secrets Manager through the NAT gateways).
 */
export function migrationGroups(home: ServingCell): Record<DataDomain, pulumi.Output<string>> {
    const { region, network, provider } = home;
    return Object.fromEntries(
        dataDomains.map((domain) => {
            const name = `shop-migrate-${domain}-${region}`;
            const group = new aws.ec2.SecurityGroup(
                name,
                { vpcId: network.vpcId, description: `Shop ${domain} migrations: the group its stores admit`, tags: { Name: name } },
                { provider },
            );
            const egress = (key: string, port: number, cidr: string, description: string) =>
                new aws.vpc.SecurityGroupEgressRule(
                    `${name}-${key}`,
                    { securityGroupId: group.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: cidr, description },
                    { provider },
                );
            egress("postgres", 5432, network.cidrBlock, "PostgreSQL in the VPC");
            egress("https", 443, "0.0.0.0/0", "OpenSearch in the VPC; Secrets Manager through the NAT gateways");
            return [domain, group.id];
        }),
    ) as Record<DataDomain, pulumi.Output<string>>;
}

/**
 * Migrations run with the master credentials in one place only: a Lambda function per domain
 * (`shop-migrate-<domain>-<region>`, home region), built from the shop's image by the same
 * digest with the migration entry as its command, in the VPC's private subnets, wearing its
 * domain's migration group. It gets its domain's wirings with the master user (the shop's own
 * variables) and its role's password, the secrets named by reference in `SHOP_SECRET_REFS`
 * (never their values); its role may read exactly those secrets, and no fleet's or pod's role
 * may read a master secret. The deploy invokes each function once per change (the image, the
 * domain's migrations, its configuration or a secret's version) before the servers, fleets or
 * pods roll (they depend on the invocations), and a failed run fails the deploy. One function
 * per domain, so that no group is admitted by every database and no role reads every master
 * secret; they run under the shop's advisory lock, so running at once is safe.
 */
export function migrationFunctions(
    config: StackConfig,
    home: ServingCell & { migrationGroups: Record<DataDomain, pulumi.Output<string>> },
    image: pulumi.Input<string>,
    wirings: ServerWiring[],
): aws.lambda.Invocation[] {
    const { region, network, provider } = home;
    return dataDomains.map((domain) => {
        const own = wirings.filter((w) => w.domain === domain);
        const name = `shop-migrate-${domain}-${region}`;
        const secrets = secretRefs(own);
        const role = new aws.iam.Role(name, { assumeRolePolicy: assumableBy("lambda.amazonaws.com") }, { provider });
        // Network interfaces in the VPC and its own logs: AWS's managed policy for VPC functions.
        const vpcAccess = new aws.iam.RolePolicyAttachment(
            name,
            { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole" },
            { provider },
        );
        const readSecrets = new aws.iam.RolePolicy(
            name,
            {
                role: role.id,
                policy: pulumi
                    .all(Object.values(secrets).map((s) => s.secretArn))
                    .apply((arns) => policyDocument([{ Sid: "DomainSecrets", Action: "secretsmanager:GetSecretValue", Resource: arns }])),
            },
            { provider },
        );
        const logGroup = new aws.cloudwatch.LogGroup(name, { name: `/aws/lambda/${name}`, retentionInDays: config.sizing.logRetentionDays }, { provider });
        const environment = {
            // Lambda runs the image as it is and writes only to /tmp: the function fetches the RDS bundle there
            // before it connects (app/src/rds-ca.ts), and its URLs name that copy; TLS stays verified.
            ...Object.fromEntries(Object.entries(mergedEnvironment(own)).map(([key, value]) => [key, pulumi.output(value).apply(forLambda)])),
            SHOP_RDS_CA_URL: rdsCaUrl,
            SHOP_RDS_CA_FILE: lambdaCaFile,
            SHOP_MODULES: modulesOf(domain).join(","),
            SHOP_REGION: region,
            SHOP_SECRET_REFS: pulumi.jsonStringify(
                pulumi
                    .output(secrets)
                    .apply((refs) =>
                        Object.fromEntries(
                            Object.entries(refs).map(([key, ref]) => [key, { secretArn: ref.secretArn, ...(ref.jsonKey && { jsonKey: ref.jsonKey }) }]),
                        ),
                    ),
            ),
        };
        const fn = new aws.lambda.Function(
            name,
            {
                name,
                description: `Migrates the shop's ${domain} domain and sets its database role`,
                packageType: "Image",
                imageUri: image,
                imageConfig: { commands: migrateCommand },
                // The image is built for linux/amd64 (components/containers/shop-image.ts).
                architectures: ["x86_64"],
                role: role.arn,
                // Lambda's longest: a migration may rewrite a large table.
                timeout: 900,
                memorySize: 1024,
                vpcConfig: { subnetIds: network.privateSubnetIds, securityGroupIds: [home.migrationGroups[domain]] },
                environment: { variables: environment },
                loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
            },
            { provider, dependsOn: [vpcAccess, readSecrets, logGroup] },
        );
        return new aws.lambda.Invocation(
            name,
            {
                functionName: fn.name,
                input: JSON.stringify({ domain }),
                // A new image, new migrations of the domain, or a new configuration or password runs it again.
                triggers: {
                    image: pulumi.output(image),
                    migrations: schemaDigest(),
                    configuration: pulumi
                        .all([pulumi.output(environment), pulumi.output(own.flatMap((w) => Object.values(w.secrets).map((s) => s.version ?? "")))])
                        .apply(digest),
                },
            },
            { provider },
        );
    });
}
