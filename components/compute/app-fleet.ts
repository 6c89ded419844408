import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, Statement } from "../iam";
import { AlarmsArgs, ComponentAlarms } from "../observability/alarms";
import { intRange, Problems } from "../validation";
import { renderAppUserData } from "./app-user-data";
import { fleet, fleetProblems } from "./fleet";

export interface AppFleetArgs {
    vpcId: pulumi.Input<string>;
    /** The VPC's range: the databases, caches and services the shop calls live there. */
    vpcCidr: string;
    /** Private subnets, in at least two zones. */
    subnetIds: pulumi.Input<string>[];
    /** The shop's image; a change rolls the fleet. */
    image: pulumi.Input<string>;
    /** The port the shop listens on. @default 8080 */
    port?: number;
    /** The shop's plain environment (docs/contracts.md): URLs, modules, region. @default {} */
    environment?: Record<string, pulumi.Input<string>>;
    /** Variables fetched from Secrets Manager at boot, such as SHOP_DATABASE_PASSWORD from the database's secret. @default {} */
    secrets?: Record<string, { secretArn: pulumi.Input<string>; jsonKey?: string; version?: pulumi.Input<string> }>;
    /** More permissions of the instances' role, such as the media bucket's (stage 10). @default none */
    statements?: pulumi.Input<Statement>[];
    /** Security groups admitted on the shop's port (the Nginx fleet's, or a load balancer's), keyed. */
    allowedSecurityGroups: Record<string, pulumi.Input<string>>;
    /** Target groups the instances register with. @default [] */
    targetGroupArns?: pulumi.Input<string>[];
    /** Security groups the instances also wear (the "app" group the data tier admits). @default [] */
    securityGroupIds?: pulumi.Input<string>[];
    /** Fetch the RDS certificate authorities at boot, for TLS to RDS verified. @default false */
    rdsCertificates?: boolean;
    /**
     * Configuration shared by every fleet, read at boot from SSM Parameter Store under `path`
     * (stage 11 on); `version`, a digest of the values, rolls the fleet when they change. @default none
     */
    sharedConfig?: { path: string; version: pulumi.Input<string> };
    /** Run the trace collector beside the shop on each instance (stage 12 on). @default false */
    traceCollector?: boolean;
    /** Ports the shop reaches inside the VPC (5432, 6379, 443, other services). @default [5432, 6379] */
    egressInVpc?: number[];
    /** Peered VPCs' ranges, keyed, where the same ports are reached (the home region's writers, from another region). @default {} */
    egressPeers?: Record<string, string>;
    /** @default "t3.small" */
    instanceType?: string;
    /** @default 2 */
    minSize?: number;
    /** @default 10 */
    maxSize?: number;
    /** Average CPU the scaling keeps to. @default 50 */
    targetCpuPercent?: number;
    /** Retention of the container log group, in days. @default 14 */
    logRetentionDays?: number;
    /** Tags for every child, on top of the provider's default tags. @default {} */
    tags?: Record<string, string>;
    /** An alarm on the group's instances in service; false for none. @default on, with a topic of its own */
    alarms?: AlarmsArgs | false;
}

/**
 * The shop on EC2 (stages 2-13): an Auto Scaling group whose instances pull the image from
 * ECR, fetch their secrets from Secrets Manager and run the container with the shop's
 * environment contract. The instance role can pull images, read exactly the secrets named,
 * write its own log group and use SSM: nothing more.
 */
export class AppFleet extends pulumi.ComponentResource {
    readonly autoScalingGroupName: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    /** Its alarms, and the metrics they watch. */
    readonly alarms: ComponentAlarms;
    readonly roleArn: pulumi.Output<string>;
    readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: AppFleetArgs, opts?: pulumi.ComponentResourceOptions) {
        const port = args.port ?? 8080;
        const size = {
            instanceType: args.instanceType ?? "t3.small",
            minSize: args.minSize ?? 2,
            maxSize: args.maxSize ?? 10,
            targetCpuPercent: args.targetCpuPercent ?? 50,
        };
        const environment = args.environment ?? {};
        const secrets = args.secrets ?? {};
        const names = [...Object.keys(environment), ...Object.keys(secrets)];
        fleetProblems(new Problems(), { ...size, subnetIds: args.subnetIds, allowedSecurityGroups: args.allowedSecurityGroups })
            .expect("port", intRange(1, 65535), port)
            .check(
                names.some((n) => !/^[A-Z_][A-Z0-9_]*$/.test(n)),
                `environment and secrets names must be upper-case variable names (got ${names.filter((n) => !/^[A-Z_][A-Z0-9_]*$/.test(n)).join(", ")})`,
            )
            .check(
                Object.keys(secrets).some((n) => n in environment),
                `a variable is both plain and secret: ${Object.keys(secrets)
                    .filter((n) => n in environment)
                    .join(", ")}`,
            )
            .check("PORT" in environment, "PORT comes from port, not environment")
            .throwIfAny("AppFleet", name);
        super("shop:compute:AppFleet", name, {}, opts);

        const tags = args.tags ?? {};
        const parent = { parent: this };
        const logGroup = new aws.cloudwatch.LogGroup(name, { retentionInDays: args.logRetentionDays ?? 14, tags }, parent);
        const region = aws.getRegionOutput({}, parent).region;

        const secretArns = Object.values(secrets).map((s) => s.secretArn);
        const shared = args.sharedConfig;
        const userData = pulumi
            .all([pulumi.output(args.image), region, logGroup.name, pulumi.output(environment), pulumi.output(secrets), pulumi.output(shared?.version ?? "")])
            .apply(([image, r, logGroupName, env, secretRefs, version]) =>
                renderAppUserData({
                    image,
                    port,
                    region: r,
                    logGroupName,
                    environment: env,
                    secrets: secretRefs,
                    rdsCertificates: args.rdsCertificates,
                    sharedConfig: shared && { path: shared.path, version },
                    traceCollector: args.traceCollector,
                }),
            );
        const account = aws.getCallerIdentityOutput({}, parent).accountId;
        const inlinePolicy = pulumi
            .all([logGroup.arn, pulumi.all(secretArns), region, account, pulumi.all(args.statements ?? [])])
            .apply(([logArn, arns, r, accountId, more]) =>
                policyDocument([
                    { Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logArn}:*` },
                    ...(arns.length > 0 ? [{ Action: "secretsmanager:GetSecretValue", Resource: arns }] : []),
                    ...(shared
                        ? [
                              {
                                  Action: "ssm:GetParametersByPath",
                                  Resource: [
                                      `arn:aws:ssm:${r}:${accountId}:parameter${shared.path}`,
                                      `arn:aws:ssm:${r}:${accountId}:parameter${shared.path}/*`,
                                  ],
                              },
                          ]
                        : []),
                    ...(more as Statement[]),
                ]),
            );

        this.alarms = new ComponentAlarms(name, args.alarms, this, args.tags ?? {});
        const { group, securityGroup, role } = fleet(
            name,
            {
                vpcId: args.vpcId,
                vpcCidr: args.vpcCidr,
                subnetIds: args.subnetIds,
                port,
                allowedSecurityGroups: args.allowedSecurityGroups,
                extraSecurityGroupIds: args.securityGroupIds,
                egressInVpc: args.egressInVpc ?? [5432, 6379],
                egressPeers: args.egressPeers,
                userData,
                targetGroupArns: args.targetGroupArns ?? [],
                ...size,
                managedPolicies: { ecr: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly" },
                inlinePolicy,
                rootVolumeGiB: 30,
                // The shop runs in a container (a bridge network: one hop more than the host). Where it calls AWS itself (media,
                // flags), it must reach the instance's credentials; otherwise nothing in a container may.
                metadataHopLimit: (args.statements ?? []).length > 0 ? 2 : 1,
                alarms: this.alarms,
                tags,
            },
            this,
        );

        this.autoScalingGroupName = group.name;
        this.securityGroupId = securityGroup.id;
        this.roleArn = role.arn;
        this.logGroupName = logGroup.name;
        this.registerOutputs({ autoScalingGroupName: this.autoScalingGroupName, securityGroupId: this.securityGroupId, roleArn: this.roleArn });
    }
}
