import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { amazonLinux2023 } from "./ami";
import { assumableBy, policyDocument } from "../iam";
import { AlarmsArgs, ComponentAlarms, WatchedMetric } from "../observability/alarms";
import { intRange, Problems } from "../validation";
import { renderServerUserData, scriptSafe } from "./server-user-data";

export interface SingleServerArgs {
    /** The VPC the server lives in. */
    vpcId: pulumi.Input<string>;
    /** A public subnet: the server is reached through its Elastic IP. */
    subnetId: pulumi.Input<string>;
    /** The subnet's availability zone; the data volume must live in the same one. */
    availabilityZone: pulumi.Input<string>;
    /** The shop's container image, by digest (a change rolls the server). */
    image: pulumi.Input<string>;
    /** The port the shop listens on inside its container. @default 8080 */
    containerPort?: number;
    /** EC2 instance type. @default "t3.small" */
    instanceType?: string;
    /** Size of the encrypted data volume that holds PostgreSQL's files, in GiB. @default 20 */
    dataVolumeGiB?: number;
    /**
     * Production data: the data volume gets Pulumi `protect` and `retainOnDelete`, so no
     * `pulumi up` or `destroy` can delete it. @default false
     */
    protectData?: boolean;
    /** Public host name; with one, the server answers HTTPS on 443 with a certificate it obtains. @default none (HTTP on 80) */
    domain?: string;
    /** Retention of the container log group, in days. @default 14 */
    logRetentionDays?: number;
    /**
     * From stage 2 on: the shop's environment, its database elsewhere (no PostgreSQL on the
     * server; the data volume stays, with stage 1's files until they are moved). @default none
     */
    shopEnvironment?: {
        environment: Record<string, pulumi.Input<string>>;
        secrets: Record<string, { secretArn: pulumi.Input<string>; jsonKey?: string }>;
    };
    /** Security groups the server also wears (the "app" group that databases admit). @default [] */
    securityGroupIds?: pulumi.Input<string>[];
    /** Ports the server may reach inside the VPC (the database's, the cache's). @default none */
    egressInVpc?: { cidr: string; ports: number[] };
    /** Fetch the RDS certificate authorities at boot, so that TLS to RDS is verified. @default false */
    rdsCertificates?: boolean;
    /** Tags for every child, on top of the provider's default tags. @default {} */
    tags?: Record<string, string>;
    /** Alarms on the server's status checks and CPU and on its data volume's I/O; false for none. @default on, with a topic of its own */
    alarms?: AlarmsArgs | false;
}

/**
 * Stage 1: one EC2 instance that runs the shop container and PostgreSQL side by side.
 * Reached only on 80/443 through an Elastic IP; administered through SSM Session Manager
 * (no SSH, no key pair); IMDSv2 required; root and data volumes encrypted. PostgreSQL's
 * files live on a separate EBS volume, so the instance itself can be replaced (a new AMI,
 * a new image) without losing a single order.
 */
export class SingleServer extends pulumi.ComponentResource {
    readonly instanceId: pulumi.Output<string>;
    /** What a fault experiment stops. */
    readonly instanceArn: pulumi.Output<string>;
    readonly publicIp: pulumi.Output<string>;
    readonly url: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    readonly dataVolumeId: pulumi.Output<string>;
    /** What a backup plan selects: the volume that held stage 1's database. */
    readonly dataVolumeArn: pulumi.Output<string>;
    readonly logGroupName: pulumi.Output<string>;
    /** Its alarms, and the metrics they watch. */
    readonly alarms: ComponentAlarms;
    /** How full it is: its CPU. */
    readonly saturation: WatchedMetric;

    constructor(name: string, args: SingleServerArgs, opts?: pulumi.ComponentResourceOptions) {
        const containerPort = args.containerPort ?? 8080;
        const dataVolumeGiB = args.dataVolumeGiB ?? 20;
        new Problems()
            .check(
                typeof args.image === "string" && !scriptSafe.test(args.image),
                `image must be an image reference such as registry/name:tag (got ${JSON.stringify(args.image)})`,
            )
            .expect("containerPort", intRange(1, 65535), containerPort)
            .expect("dataVolumeGiB", intRange(10, 16384), dataVolumeGiB)
            .check(args.domain !== undefined && !/^[a-z0-9.-]+\.[a-z]{2,}$/.test(args.domain), `domain must be a DNS name (got ${JSON.stringify(args.domain)})`)
            .throwIfAny("SingleServer", name);
        super("shop:compute:SingleServer", name, {}, opts);

        const tags = args.tags ?? {};
        const parent = { parent: this };

        const securityGroup = new aws.ec2.SecurityGroup(
            name,
            { vpcId: args.vpcId, description: "Single shop server: HTTP and HTTPS from anywhere, nothing else", tags: { ...tags, Name: name } },
            parent,
        );
        // Only the web ports, over IPv4 and IPv6. No SSH: administration is through SSM Session Manager.
        for (const [port, label] of [
            [80, "http"],
            [443, "https"],
        ] as const) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-${label}`,
                {
                    securityGroupId: securityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    cidrIpv4: "0.0.0.0/0",
                    description: `${label} from the internet`,
                },
                parent,
            );
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-${label}-v6`,
                {
                    securityGroupId: securityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    cidrIpv6: "::/0",
                    description: `${label} from the internet (IPv6)`,
                },
                parent,
            );
            // Outbound web only: packages, container images, SSM, CloudWatch Logs, ACME.
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-${label}-out`,
                {
                    securityGroupId: securityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    cidrIpv4: "0.0.0.0/0",
                    description: `${label} to the internet`,
                },
                parent,
            );
        }

        for (const port of new Set(args.egressInVpc?.ports ?? [])) {
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-vpc-${port}`,
                {
                    securityGroupId: securityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    cidrIpv4: args.egressInVpc!.cidr,
                    description: `VPC ${port}`,
                },
                parent,
            );
        }

        const logGroup = new aws.cloudwatch.LogGroup(name, { retentionInDays: args.logRetentionDays ?? 14, tags }, parent);

        const role = new aws.iam.Role(
            name,
            {
                assumeRolePolicy: assumableBy("ec2.amazonaws.com"),
                tags,
            },
            parent,
        );
        // Least privilege: Session Manager, pulling images, and writing to its own log group.
        new aws.iam.RolePolicyAttachment(`${name}-ssm`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }, parent);
        new aws.iam.RolePolicyAttachment(`${name}-ecr`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly" }, parent);
        new aws.iam.RolePolicy(
            `${name}-logs`,
            {
                role: role.id,
                policy: logGroup.arn.apply((arn) => policyDocument([{ Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${arn}:*` }])),
            },
            parent,
        );
        const secretArns = Object.values(args.shopEnvironment?.secrets ?? {}).map((secret) => secret.secretArn);
        if (secretArns.length > 0) {
            // Exactly the secrets named, read at boot into a root-only file.
            new aws.iam.RolePolicy(
                `${name}-secrets`,
                {
                    role: role.id,
                    policy: pulumi.all(secretArns).apply((arns) => policyDocument([{ Action: "secretsmanager:GetSecretValue", Resource: arns }])),
                },
                parent,
            );
        }
        const profile = new aws.iam.InstanceProfile(name, { role: role.name, tags }, parent);

        const dataVolume = serverDataVolume(this, name, {
            availabilityZone: args.availabilityZone,
            dataVolumeGiB,
            protectData: args.protectData ?? false,
            tags,
        });

        const region = aws.getRegionOutput({}, parent).region;
        const userData = pulumi
            .all([pulumi.output(args.image), region, logGroup.name, dataVolume.id, pulumi.output(args.shopEnvironment)])
            .apply(([image, r, logGroupName, dataVolumeId, shopEnvironment]) =>
                renderServerUserData({
                    image,
                    containerPort,
                    region: r,
                    logGroupName,
                    dataVolumeId,
                    domain: args.domain,
                    shopEnvironment,
                    rdsCertificates: args.rdsCertificates,
                }),
            );

        const instance = new aws.ec2.Instance(
            name,
            {
                ami: amazonLinux2023(parent),
                instanceType: args.instanceType ?? "t3.small",
                subnetId: args.subnetId,
                vpcSecurityGroupIds: [securityGroup.id, ...(args.securityGroupIds ?? [])],
                iamInstanceProfile: profile.name,
                // IMDSv2 only, and a hop limit of 1 so containers cannot borrow the instance's credentials.
                metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
                rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 30, deleteOnTermination: true },
                monitoring: true,
                userData,
                // The script runs only at first boot: a new image or config means a new instance (the data stays on its volume).
                userDataReplaceOnChange: true,
                tags: { ...tags, Name: name },
            },
            // A newer AMI must not replace the server on an unrelated `pulumi up`; roll it with `pulumi up --replace`.
            { parent: this, ignoreChanges: ["ami"] },
        );
        new aws.ec2.VolumeAttachment(
            `${name}-data`,
            { instanceId: instance.id, volumeId: dataVolume.id, deviceName: "/dev/sdf", stopInstanceBeforeDetaching: true },
            // On replacement, detach from the old server (stopped first, so PostgreSQL shuts down cleanly) before attaching to the new one.
            { parent: this, deleteBeforeReplace: true },
        );
        const eip = new aws.ec2.Eip(name, { domain: "vpc", instance: instance.id, tags: { ...tags, Name: name } }, parent);

        this.alarms = new ComponentAlarms(name, args.alarms, this, tags);
        this.alarms.metric(`${name}-status`, {
            kind: "serverStatusChecks",
            description: `${name}: the instance fails an EC2 status check (its own, the host's, or its attached volumes'); the shop is down. Look at: the status checks in the EC2 console, the system log (aws ec2 get-console-output), a reboot or a stop and start`,
            namespace: "AWS/EC2",
            metricName: "StatusCheckFailed",
            dimensions: { InstanceId: instance.id },
            stat: "Maximum",
            comparison: "GreaterThanThreshold",
            missing: "breaching",
        });
        this.alarms.metric(`${name}-cpu`, {
            kind: "serverCpuPercent",
            description: `${name}: CPU above the threshold; the shop${args.shopEnvironment ? "" : " and PostgreSQL"} compete for it. Look at: the slowest routes in the request log (field ms), the next stage`,
            namespace: "AWS/EC2",
            metricName: "CPUUtilization",
            dimensions: { InstanceId: instance.id },
            stat: "Average",
            comparison: "GreaterThanThreshold",
        });
        this.alarms.metric(`${name}-data-io`, {
            kind: "serverStatusChecks",
            description: `${name}: the data volume's I/O is stalled; PostgreSQL's files are on it. Look at: the volume's status in the EC2 console, the instance's system log; restore from the volume's latest snapshot if it does not recover`,
            namespace: "AWS/EBS",
            metricName: "VolumeStalledIOCheck",
            dimensions: { VolumeId: dataVolume.id },
            stat: "Maximum",
            comparison: "GreaterThanThreshold",
        });

        this.saturation = this.alarms.watched.find((m) => m.metricName === "CPUUtilization")!;

        this.instanceId = instance.id;
        this.instanceArn = instance.arn;
        this.publicIp = eip.publicIp;
        this.url = args.domain ? pulumi.output(`https://${args.domain}`) : pulumi.interpolate`http://${eip.publicIp}`;
        this.securityGroupId = securityGroup.id;
        this.dataVolumeId = dataVolume.id;
        this.dataVolumeArn = dataVolume.arn;
        this.logGroupName = logGroup.name;
        this.registerOutputs({
            instanceId: this.instanceId,
            publicIp: this.publicIp,
            url: this.url,
            securityGroupId: this.securityGroupId,
            dataVolumeId: this.dataVolumeId,
        });
    }
}

/** The server's data volume: encrypted gp3, protected and kept on delete when it holds production data. */
function serverDataVolume(
    parent: pulumi.Resource,
    name: string,
    args: { availabilityZone: pulumi.Input<string>; dataVolumeGiB: number; protectData: boolean; tags: Record<string, string> },
): aws.ebs.Volume {
    return new aws.ebs.Volume(
        `${name}-data`,
        { availabilityZone: args.availabilityZone, size: args.dataVolumeGiB, type: "gp3", encrypted: true, tags: { ...args.tags, Name: `${name}-data` } },
        { parent, protect: args.protectData, retainOnDelete: args.protectData },
    );
}

/**
 * What is left of the single server from stage 4 on, when fleets serve the shop: its data
 * volume (stage 1's database files), under the same URN (same component type and name), so
 * that no promotion deletes data. Delete it by hand once its data is known to be in Aurora.
 */
export class RetiredSingleServer extends pulumi.ComponentResource {
    readonly dataVolumeId: pulumi.Output<string>;
    readonly dataVolumeArn: pulumi.Output<string>;

    constructor(
        name: string,
        args: Pick<SingleServerArgs, "availabilityZone" | "dataVolumeGiB" | "protectData" | "tags">,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("shop:compute:SingleServer", name, {}, opts);
        const volume = serverDataVolume(this, name, {
            availabilityZone: args.availabilityZone,
            dataVolumeGiB: args.dataVolumeGiB ?? 20,
            protectData: args.protectData ?? false,
            tags: args.tags ?? {},
        });
        this.dataVolumeId = volume.id;
        this.dataVolumeArn = volume.arn;
        this.registerOutputs({ dataVolumeId: this.dataVolumeId });
    }
}
