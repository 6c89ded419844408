/**
 * Cost and capacity of a planned stack (`npm run plan -- --cost [--load 30%|1500rps]`): every
 * charge of a month, with its quantity, unit price and source, at the stack's minimum size and
 * under a traffic scenario (tools/scenario.ts), priced at the rates of each resource's own
 * region (tools/prices.ts); and the page views and users the stack carries (tools/capacity.ts).
 * Every resource type in a plan is either priced here or listed as not billable: a type that
 * is neither, a size or a region with no price, is an error naming it, never a zero.
 */
import { Capacity, capacityOf, cacheNodeType, labTable, regionOf, serverlessFloor, zonesOf } from "./capacity";
import { Plan } from "./plan";
import { hoursPerMonth, Price, PriceError, priceDate, priceOf, pricesFor, RegionPrices, route53HealthCheck, sizeOf, xrayFreeTraces } from "./prices";
import { defaultScenario, describeScenario, mixCost, Scenario } from "./scenario";
import { traceSampleRatio } from "../stacks/tracing";

type Resource = Plan["resources"][number];

export interface Charge {
    item: string;
    region: string;
    quantity: number;
    unit: string;
    unitPrice: number;
    source: string;
    monthly: number;
    /** The price table entry it is billed under ("ec2", "internetEgress", "albLcu", ...). */
    priceKey: string;
    /** "minimum": what the stack costs at its minimum size with no traffic; "load": what the scenario's traffic adds. */
    part: "minimum" | "load";
}

export interface CostReport {
    scenario: Scenario;
    /** The scenario's average page views a second. */
    pagesPerSecond: number;
    capacity: Capacity;
    charges: Charge[];
    atMinimum: number;
    atLoad: number;
    pageViewsPerMonth: number;
    perMillionPageViews: number;
    warnings: string[];
}

/** Thrown with every problem at once: unknown types, missing prices. */
export class CostError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
    }
}

const secondsPerMonth = hoursPerMonth * 3600;
const minutesPerMonth = hoursPerMonth * 60;
/** AWS bills data in GB of 2^30 bytes. */
const gb = (bytes: number) => bytes / 2 ** 30;
const inputs = (r: Resource) => r.inputs as Record<string, any>;

/** Types that cost nothing by themselves, each with why (free, or priced through another resource). */
export const notBillable: Record<string, string> = {
    "pulumi:providers:aws": "a provider",
    "pulumi:providers:kubernetes": "a provider",
    "random:index/randomPassword:RandomPassword": "generated locally",
    "aws:acm/certificate:Certificate": "public certificates are free",
    "aws:acm/certificateValidation:CertificateValidation": "a wait, not a resource",
    "aws:appautoscaling/policy:Policy": "free (its alarms are not priced)",
    "aws:appautoscaling/target:Target": "free",
    "aws:backup/plan:Plan": "free: AWS Backup bills the recovery points' storage, priced through the vault",
    "aws:backup/selection:Selection": "free",
    "aws:fis/experimentTemplate:ExperimentTemplate": "free as a template: FIS bills action-minutes only while an experiment runs",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "free",
    "aws:autoscaling/policy:Policy": "free (its alarms are not priced)",
    "aws:autoscaling/schedule:Schedule": "free",
    "aws:cloudwatch/logGroup:LogGroup": "priced through what writes into it (app lines, flow logs, control plane logs)",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "free",
    "aws:sns/topic:Topic": "free; deliveries are priced each, and an alarm topic's few fit in SNS's monthly free deliveries",
    "aws:sns/topicPolicy:TopicPolicy": "free",
    "aws:sns/topicSubscription:TopicSubscription": "free",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "free",
    "aws:ec2/internetGateway:InternetGateway": "free (egress is priced per page)",
    "aws:ec2/launchTemplate:LaunchTemplate": "priced through its Auto Scaling group or node group",
    "aws:ec2/route:Route": "free",
    "aws:ec2/routeTable:RouteTable": "free",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "free",
    "aws:ec2/securityGroup:SecurityGroup": "free",
    "aws:ec2/subnet:Subnet": "free",
    "aws:ec2/volumeAttachment:VolumeAttachment": "free",
    "aws:ec2/vpc:Vpc": "free",
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": "priced with its peering connection",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "free",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "free",
    "aws:eks/accessEntry:AccessEntry": "free",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": "free",
    "aws:eks/addon:Addon": "free (runs on the nodes); Container Insights' metrics are priced with the add-on that sends them",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": "free",
    "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup": "priced through its replication (inter-region transfer)",
    "aws:elasticache/parameterGroup:ParameterGroup": "free",
    "aws:elasticache/subnetGroup:SubnetGroup": "free",
    "aws:iam/instanceProfile:InstanceProfile": "free",
    "aws:iam/role:Role": "free",
    "aws:iam/rolePolicy:RolePolicy": "free",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "free",
    "aws:lb/listener:Listener": "priced with its load balancer",
    "aws:lambda/function:Function":
        "priced per run, and it runs only when a deploy changes the image, the schema or a password: a few runs of seconds a month, under a cent at $0.0000166667 a GB-second",
    "aws:lambda/invocation:Invocation": "one run of its function at deploy (priced with the function)",
    "aws:lb/listenerRule:ListenerRule": "priced with its load balancer (rule evaluations are a capacity unit dimension; the first 10 rules are free)",
    "aws:lb/targetGroup:TargetGroup": "priced with its load balancer",
    "aws:opensearch/domainPolicy:DomainPolicy": "free",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": "free",
    "aws:rds/globalCluster:GlobalCluster": "priced through its replication (replicated write I/O, inter-region transfer)",
    "aws:rds/subnetGroup:SubnetGroup": "free",
    "aws:route53/record:Record": "free in a hosted zone the stack does not create (queries not priced: resolvers cache them)",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "free",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "free",
    "aws:s3/bucketPolicy:BucketPolicy": "free",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "free",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "free (SSE-S3)",
    "aws:s3/bucketVersioning:BucketVersioning": "free (old versions expire with the lifecycle)",
    "aws:secretsmanager/secretVersion:SecretVersion": "priced with its secret",
    "aws:ssm/parameter:Parameter": "standard parameters are free",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "free",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "free",
    "docker:index/image:Image": "built where the program runs",
    "docker-build:index:Image": "built where the program runs",
    "kubernetes:apps/v1:Deployment": "runs on the priced nodes (credited by its CPU request)",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": "free",
    "kubernetes:core/v1:ConfigMap": "free",
    "kubernetes:core/v1:Namespace": "free",
    "kubernetes:core/v1:Secret": "free",
    "kubernetes:core/v1:Service": "free (ClusterIP)",
    "kubernetes:core/v1:ServiceAccount": "free",
    "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding": "priced with its load balancer",
    "kubernetes:helm.sh/v3:Release": "runs on the priced nodes",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": "free (enforced by the CNI's agent on the nodes)",
    "kubernetes:policy/v1:PodDisruptionBudget": "free",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": "free",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": "free",
    "kubernetes:rbac.authorization.k8s.io/v1:Role": "free",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": "free",
    "kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy": "free (branch interfaces on the nodes' trunk interfaces cost nothing)",
};

/** What the pricers below see: the plan, the scenario's traffic per region, and where to put charges. */
interface Context {
    plan: Plan;
    scenario: Scenario;
    /** Page views a second in all, and in a region. */
    pagesPerSecond: number;
    pagesIn(region: string): number;
    /** Concurrent client connections in a region. */
    connectionsIn(region: string): number;
    zones(region: string): number;
    /** Instances an Auto Scaling group runs under the scenario (its minimum, or more when the load needs them). */
    fleetSize(group: Resource): number;
    add(part: Charge["part"], item: string, region: string, quantity: number, price: Price): void;
    /** Application log bytes a month sent from a region's fleets to CloudWatch Logs (they go out through NAT). */
    appLogBytes(region: string): number;
}

type Pricer = (r: Resource, c: Context) => void;

const regionOfResource = (r: Resource) => r.region!;
const prices = (r: Resource): RegionPrices => pricesFor(regionOfResource(r));

function siblings(c: Context, r: Resource, type: string): Resource[] {
    return c.plan.resources.filter((s) => s.type === type && s.parent === r.parent);
}

/** Instance-hours, root volume, detailed monitoring and, for burstable sizes, surplus CPU credits at the CPU target. */
function priceInstances(
    c: Context,
    r: Resource,
    label: string,
    type: string,
    count: { minimum: number; atLoad: number },
    disk: number,
    monitored: boolean,
    target: number,
) {
    const region = regionOfResource(r);
    const p = prices(r);
    const hourly = priceOf(p.ec2, type, region, "EC2");
    const add = (part: Charge["part"], n: number) => {
        if (n <= 0) return;
        c.add(part, `${label}: ${type}`, region, n * hoursPerMonth, hourly);
        c.add(part, `${label}: root volumes, gp3 GB`, region, n * disk, p.ebsGp3);
        if (monitored) c.add(part, `${label}: detailed monitoring`, region, n, p.detailedMonitoring);
    };
    add("minimum", count.minimum);
    add("load", count.atLoad - count.minimum);
    const machine = sizeOf(type);
    if (machine.baseline !== undefined && target > machine.baseline) {
        // Unlimited mode (the default for t3 and t4g): CPU above the baseline is paid for in surplus credits.
        const credit = type.startsWith("t4g") ? p.cpuCredit.t4g : p.cpuCredit.t3;
        c.add(
            "load",
            `${label}: surplus CPU credits at ${Math.round(target * 100)}% CPU (baseline ${machine.baseline * 100}%)`,
            region,
            count.atLoad * machine.vcpus * (target - machine.baseline) * hoursPerMonth,
            credit,
        );
    }
}

function fleetTargetOf(c: Context, group: Resource): number {
    const policy = siblings(c, group, "aws:autoscaling/policy:Policy").find((p) => inputs(p).targetTrackingConfiguration);
    return policy ? Number(inputs(policy).targetTrackingConfiguration.targetValue) / 100 : 0.5;
}

const pricers: Record<string, Pricer> = {
    "aws:ec2/instance:Instance": (r, c) => {
        const i = inputs(r);
        priceInstances(c, r, r.name, i.instanceType, { minimum: 1, atLoad: 1 }, i.rootBlockDevice?.volumeSize ?? 8, i.monitoring === true, 0.5);
    },
    "aws:ebs/volume:Volume": (r, c) => c.add("minimum", `${r.name}: ${inputs(r).type ?? "gp3"} GB`, r.region!, inputs(r).size, prices(r).ebsGp3),
    "aws:autoscaling/group:Group": (r, c) => {
        const template = inputs(siblings(c, r, "aws:ec2/launchTemplate:LaunchTemplate")[0]);
        priceInstances(
            c,
            r,
            r.name,
            template.instanceType,
            { minimum: inputs(r).minSize, atLoad: c.fleetSize(r) },
            template.blockDeviceMappings?.[0]?.ebs?.volumeSize ?? 8,
            template.monitoring?.enabled === true,
            fleetTargetOf(c, r),
        );
    },
    "aws:eks/nodeGroup:NodeGroup": (r, c) => {
        const n = inputs(r).scalingConfig.minSize;
        // The node group's launch template shares its name and sizes its root volume.
        const template = siblings(c, r, "aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.name === r.name);
        const disk = template ? inputs(template).blockDeviceMappings[0].ebs.volumeSize : (inputs(r).diskSize ?? 20);
        // Nodes are not burstable here; pods beyond the minimum fit on them at this model's loads (not re-sized).
        priceInstances(c, r, r.name, inputs(r).instanceTypes[0], { minimum: n, atLoad: n }, disk, false, 0);
    },
    "aws:eks/cluster:Cluster": (r, c) => {
        c.add("minimum", `${r.name}: EKS control plane`, r.region!, hoursPerMonth, prices(r).eksCluster);
        const logTypes = inputs(r).enabledClusterLogTypes ?? [];
        if (logTypes.length > 0)
            c.add(
                "minimum",
                `${r.name}: control plane logs (${logTypes.join(", ")}) GB`,
                r.region!,
                c.scenario.traffic.eksControlPlaneLogGbPerDay * 30.4,
                prices(r).logsIngestion,
            );
    },
    "aws:rds/clusterInstance:ClusterInstance": (r, c) => {
        const size = inputs(r).instanceClass;
        const p = prices(r);
        if (size === "db.serverless") {
            const acu = serverlessFloor(c.plan, r);
            c.add(
                "minimum",
                `${r.name}: Serverless v2 at its floor, ${acu} ACU (promotion tier ${inputs(r).promotionTier ?? 1})`,
                r.region!,
                acu * hoursPerMonth,
                p.auroraAcu,
            );
        } else {
            c.add("minimum", `${r.name}: ${size}`, r.region!, hoursPerMonth, priceOf(p.aurora, size, r.region!, "Aurora"));
        }
    },
    "aws:rds/cluster:Cluster": (r, c) => {
        const p = prices(r);
        const t = c.scenario.traffic;
        c.add("minimum", `${r.name}: storage GB (assumed ${t.auroraStorageGb} GB)`, r.region!, t.auroraStorageGb, p.auroraStorage);
        // The page views' I/O spreads over the clusters of the region; a global database's secondary pays its primary's writes again.
        const clusters = c.plan.resources.filter((x) => x.type === r.type && x.region === r.region).length;
        const pages = (c.pagesIn(r.region!) * secondsPerMonth) / clusters;
        // Every region's writes land on the primary region's clusters, shared among them.
        const all = (c.pagesPerSecond * secondsPerMonth) / primaryClusters(c);
        if (r.region === primaryRegion(c)) {
            c.add(
                "load",
                `${r.name}: I/O, million (reads of its region, writes of all)`,
                r.region!,
                (pages * t.auroraReadIo + all * t.auroraWriteIo) / 1e6,
                p.auroraIo,
            );
        } else {
            c.add("load", `${r.name}: read I/O, million`, r.region!, (pages * t.auroraReadIo) / 1e6, p.auroraIo);
            c.add("load", `${r.name}: replicated write I/O, million`, r.region!, (all * t.auroraWriteIo) / 1e6, p.auroraReplicatedWriteIo);
            const from = primaryRegion(c);
            c.add("load", `${r.name}: replication from ${from}, GB`, from, gb(all * t.replicatedBytes), pricesFor(from).interRegion);
        }
    },
    "aws:elasticache/replicationGroup:ReplicationGroup": (r, c) => {
        const i = inputs(r);
        const nodeType = cacheNodeType(c.plan, r);
        const nodes = i.numCacheClusters ?? i.numNodeGroups * (i.replicasPerNodeGroup + 1);
        c.add("minimum", `${r.name}: ${nodeType} nodes`, r.region!, nodes * hoursPerMonth, priceOf(prices(r).elasticache, nodeType, r.region!, "ElastiCache"));
        if (i.globalReplicationGroupId !== undefined) {
            const from = primaryRegion(c);
            c.add(
                "load",
                `${r.name}: global datastore replication from ${from}, GB`,
                from,
                gb(c.pagesPerSecond * secondsPerMonth * c.scenario.traffic.replicatedBytes),
                pricesFor(from).interRegion,
            );
        }
    },
    "aws:opensearch/domain:Domain": (r, c) => {
        const conf = inputs(r).clusterConfig;
        const p = prices(r);
        c.add(
            "minimum",
            `${r.name}: ${conf.instanceType} data nodes`,
            r.region!,
            conf.instanceCount * hoursPerMonth,
            priceOf(p.opensearch, conf.instanceType, r.region!, "OpenSearch"),
        );
        if (conf.dedicatedMasterEnabled)
            c.add(
                "minimum",
                `${r.name}: ${conf.dedicatedMasterType} dedicated masters`,
                r.region!,
                conf.dedicatedMasterCount * hoursPerMonth,
                priceOf(p.opensearch, conf.dedicatedMasterType, r.region!, "OpenSearch"),
            );
        c.add("minimum", `${r.name}: gp3 GB`, r.region!, conf.instanceCount * inputs(r).ebsOptions.volumeSize, p.opensearchGp3);
    },
    "aws:ec2/natGateway:NatGateway": (r, c) => {
        c.add("minimum", `${r.name}: NAT gateway`, r.region!, hoursPerMonth, prices(r).natGatewayHour);
        // The region's NAT gateways share its traffic out: the app's log lines (CloudWatch Logs has no endpoint in the VPC) and calls to the internet.
        const gateways = c.plan.resources.filter((x) => x.type === r.type && x.region === r.region).length;
        const bytes = c.appLogBytes(r.region!) + c.pagesIn(r.region!) * secondsPerMonth * c.scenario.traffic.natBytesPerPage;
        c.add("load", `${r.name}: data processed, GB (log lines, payment calls)`, r.region!, gb(bytes) / gateways, prices(r).natGatewayData);
    },
    "aws:ec2/eip:Eip": (r, c) => c.add("minimum", `${r.name}: public IPv4 address`, r.region!, hoursPerMonth, prices(r).publicIpv4),
    "aws:lb/loadBalancer:LoadBalancer": (r, c) => priceLoadBalancer(r, c),
    "aws:ec2/vpcEndpoint:VpcEndpoint": (r, c) => {
        if (inputs(r).vpcEndpointType !== "Interface") return; // Gateway endpoints (S3, DynamoDB) are free.
        c.add(
            "minimum",
            `${r.name}: interface endpoint, zone-hours`,
            r.region!,
            (inputs(r).subnetIds ?? []).length * hoursPerMonth,
            prices(r).interfaceEndpointHour,
        );
    },
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": (r, c) => {
        // No hourly charge; the secondary regions' writes reach the primary's writers across it.
        const primary = primaryRegion(c);
        const region = inputs(r).peerRegion;
        if (region && region !== primary) {
            c.add(
                "load",
                `${r.name}: ${region}'s writes to ${primary}, GB`,
                region,
                gb(c.pagesIn(region) * secondsPerMonth * c.scenario.traffic.replicatedBytes),
                pricesFor(region).interRegion,
            );
        }
    },
    "aws:ec2/flowLog:FlowLog": (r, c) => {
        const t = c.scenario.traffic;
        const bytes = c.connectionsIn(r.region!) * t.flowRecordsPerConnectionMinute * minutesPerMonth * t.flowRecordBytes;
        c.add("load", `${r.name}: VPC flow log records, GB`, r.region!, gb(bytes), prices(r).vendedLogsIngestion);
    },
    "aws:route53/healthCheck:HealthCheck": (r, c) => {
        const i = inputs(r);
        const options = [
            i.type === "HTTPS" || i.type === "HTTPS_STR_MATCH" ? "HTTPS" : "",
            i.requestInterval === 10 ? "10 s interval" : "",
            i.measureLatency ? "latency" : "",
            i.searchString ? "string match" : "",
        ].filter(Boolean);
        c.add("minimum", `${r.name}: Route 53 health check`, "global", 1, route53HealthCheck.base);
        if (options.length > 0)
            c.add("minimum", `${r.name}: health check options (${options.join(", ")})`, "global", options.length, route53HealthCheck.option);
    },
    "aws:secretsmanager/secret:Secret": (r, c) => c.add("minimum", `${r.name}: secret`, r.region!, 1, prices(r).secret),
    "aws:kms/key:Key": (r, c) => c.add("minimum", `${r.name}: KMS key`, r.region!, 1, prices(r).kmsKey),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (r, c) => {
        // A metric math alarm is billed for each metric it reads.
        const metrics = (inputs(r).metricQueries ?? []).filter((q: { metric?: unknown }) => q.metric).length || 1;
        c.add("minimum", `${r.name}: alarm (${metrics} metric${metrics > 1 ? "s" : ""})`, r.region!, metrics, prices(r).alarmMetric);
    },
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": (r, c) => c.add("minimum", `${r.name}: composite alarm`, r.region!, 1, prices(r).compositeAlarm),
    "aws:cloudwatch/dashboard:Dashboard": (r, c) => c.add("minimum", `${r.name}: dashboard`, r.region!, 1, prices(r).dashboard),
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": (r, c) => {
        // Filters of several log groups that publish one metric name make one metric: priced once, with the first of them.
        const metric = (f: Resource) => `${f.region} ${inputs(f).metricTransformation?.namespace} ${inputs(f).metricTransformation?.name}`;
        const first = c.plan.resources.find((f) => f.type === r.type && metric(f) === metric(r));
        if (first === r) c.add("minimum", `${metric(r)}: custom metric from the shop's logs`, r.region!, 1, prices(r).customMetric);
    },
    "aws:eks/addon:Addon": (r, c) => {
        if (inputs(r).addonName !== "amazon-cloudwatch-observability") return;
        const nodes = c.plan.resources
            .filter((g) => g.type === "aws:eks/nodeGroup:NodeGroup" && g.region === r.region)
            .reduce((n, g) => n + Number(inputs(g).scalingConfig?.minSize ?? 0), 0);
        const metrics = c.scenario.traffic.containerInsightsMetricsPerNode * nodes;
        c.add("minimum", `${r.name}: Container Insights metrics (${nodes} nodes at the minimum)`, r.region!, metrics, prices(r).customMetric);
    },
    "aws:s3/bucket:Bucket": (r, c) => {
        const logsOf = c.plan.resources.find((lb) => lb.type === "aws:lb/loadBalancer:LoadBalancer" && `${lb.name}-logs` === r.name);
        if (logsOf) {
            // Access logs, a line a request, kept for the bucket's lifecycle (a month).
            const bytes = c.pagesIn(logsOf.region!) * secondsPerMonth * c.scenario.traffic.accessLogBytesPerRequest;
            c.add("load", `${r.name}: access logs stored, GB`, r.region!, gb(bytes), prices(r).s3Standard);
        } else {
            c.add(
                "minimum",
                `${r.name}: objects stored, GB (assumed ${c.scenario.traffic.mediaBucketGb} GB)`,
                r.region!,
                c.scenario.traffic.mediaBucketGb,
                prices(r).s3Standard,
            );
        }
    },
    "aws:backup/vault:Vault": (r, c) =>
        c.add(
            "minimum",
            `${r.name}: recovery points stored, GB (assumed ${c.scenario.traffic.backupVaultGb} GB)`,
            r.region!,
            c.scenario.traffic.backupVaultGb,
            prices(r).backupStorage,
        ),
    "aws:ecr/repository:Repository": (r, c) =>
        c.add(
            "minimum",
            `${r.name}: images stored, GB (assumed ${c.scenario.traffic.imageRepositoryGb} GB)`,
            r.region!,
            c.scenario.traffic.imageRepositoryGb,
            prices(r).ecrStorage,
        ),
};

/** Hours, capacity units, the public addresses of an internet-facing one, and the zones its cross-zone traffic crosses. */
function priceLoadBalancer(r: Resource, c: Context) {
    const i = inputs(r);
    const region = r.region!;
    const p = prices(r);
    const t = c.scenario.traffic;
    const network = i.loadBalancerType === "network";
    const zones = (i.subnets ?? i.subnetMappings ?? []).length || c.zones(region);
    c.add("minimum", `${r.name}: ${network ? "network" : "application"} load balancer`, region, hoursPerMonth, network ? p.nlbHour : p.albHour);
    if (!i.internal) c.add("minimum", `${r.name}: public IPv4 addresses (one a zone)`, region, zones * hoursPerMonth, p.publicIpv4);

    const pages = c.pagesIn(region);
    const gbPerHour = gb(pages * 3600 * (t.requestBytes + t.responseBytes));
    // Internal load balancers see pooled connections from the tier in front: their bytes set the units.
    const newPerSecond = i.internal ? 0 : pages / t.pageViewsPerConnection;
    const active = i.internal ? 0 : c.connectionsIn(region);
    const tls = network && c.plan.resources.some((l) => l.type === "aws:lb/listener:Listener" && l.parent === r.parent && l.inputs.protocol === "TLS");
    // ELB's capacity units: the largest of the dimensions. ALB: 25 new connections/s, 3,000 active, 1 GB/h to EC2 targets.
    // NLB TLS: 50 new/s, 3,000 active, 1 GB/h; NLB TCP: 800 new/s, 100,000 active, 1 GB/h.
    const units = network
        ? Math.max(newPerSecond / (tls ? 50 : 800), active / (tls ? 3000 : 100_000), gbPerHour)
        : Math.max(newPerSecond / 25, active / 3000, gbPerHour);
    c.add("load", `${r.name}: ${network ? "NLCU" : "LCU"}-hours`, region, units * hoursPerMonth, network ? p.nlbNlcu : p.albLcu);
    // ALB to its targets across zones is not billed; an NLB with cross-zone balancing pays regional transfer both ways
    // (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html#cross-zone-load-balancing).
    if (network && i.enableCrossZoneLoadBalancing) {
        const crossing = gb(pages * secondsPerMonth * (t.requestBytes + t.responseBytes)) * ((zones - 1) / zones);
        c.add("load", `${r.name}: cross-zone to targets, GB × 2 directions`, region, crossing * 2, p.interZone);
    }
}

/** The region of the first Aurora cluster, or of the first regional resource: writes land there. */
function primaryRegion(c: Context): string {
    const first = c.plan.resources.find((r) => r.type === "aws:rds/cluster:Cluster") ?? c.plan.resources.find((r) => r.region);
    return first?.region ?? "us-east-1";
}

function primaryClusters(c: Context): number {
    const primary = primaryRegion(c);
    return c.plan.resources.filter((r) => r.type === "aws:rds/cluster:Cluster" && r.region === primary).length;
}

/** Share of page views each region takes: the weighted DNS records' weights, else an even split over the regions serving the shop. */
function regionShares(plan: Plan, capacity: Capacity): Map<string, number> {
    const weights = plan.resources
        .filter((r) => r.type === "aws:route53/record:Record" && inputs(r).setIdentifier && inputs(r).weightedRoutingPolicies?.[0])
        .map((r) => ({ region: String(inputs(r).setIdentifier), weight: Number(inputs(r).weightedRoutingPolicies[0].weight) }));
    const total = weights.reduce((sum, w) => sum + w.weight, 0);
    if (total > 0) return new Map(weights.map((w) => [w.region, w.weight / total]));
    return new Map(capacity.regions.map((r) => [r, 1 / capacity.regions.length]));
}

/** Zone-crossing traffic inside a region: the app to its databases and caches, and on Kubernetes pod to pod hops. */
function interZone(c: Context, region: string, add: Context["add"]) {
    const t = c.scenario.traffic;
    const zones = c.zones(region);
    if (zones < 2) return;
    const crossing = (zones - 1) / zones;
    const pages = c.pagesIn(region) * secondsPerMonth;
    const p = pricesFor(region);
    const hasData = c.plan.resources.some(
        (r) => r.region === region && (r.type === "aws:rds/cluster:Cluster" || r.type === "aws:elasticache/replicationGroup:ReplicationGroup"),
    );
    if (hasData)
        add("load", `${region}: app to databases and caches across zones, GB × 2 directions`, region, gb(pages * t.dataTierBytes) * crossing * 2, p.interZone);
    const pods = c.plan.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" && regionOf(r) === region && !/autoscaler/.test(r.name));
    if (pods.length > 0) {
        // Nginx to the shop, and from the shop to a backend service when the shop is split: each hop lands in another zone (zones - 1) / zones of the time.
        const hops = pods.filter((d) => !d.name.startsWith("nginx-")).length > 1 ? 2 : 1;
        add(
            "load",
            `${region}: pod to pod across zones (${hops} hop${hops > 1 ? "s" : ""}), GB × 2 directions`,
            region,
            gb(pages * hops * (t.requestBytes + t.responseBytes)) * crossing * 2,
            p.interZone,
        );
    }
}

/**
 * Regions whose shop processes send traces to X-Ray (stage 12 on): their configuration sets the
 * sampler's ratio, in Parameter Store on instances and in a ConfigMap on Kubernetes.
 */
export function tracedRegions(plan: Plan): Set<string> {
    const samples = (r: Resource) =>
        (r.type === "aws:ssm/parameter:Parameter" && String(inputs(r).name).endsWith("/OTEL_TRACES_SAMPLER_ARG")) ||
        (r.type === "kubernetes:core/v1:ConfigMap" && inputs(r).data?.OTEL_TRACES_SAMPLER_ARG !== undefined);
    return new Set(plan.resources.filter(samples).flatMap((r) => regionOf(r) ?? []));
}

/** Shares out an account's free allowance over its regions' usage, pro rata: what each region is billed for. */
function afterFreeTier<T extends { amount: number }>(usage: T[], free: number): (T & { billed: number })[] {
    const total = usage.reduce((sum, u) => sum + u.amount, 0);
    return usage.map((u) => ({ ...u, billed: total > free ? u.amount * (1 - free / total) : 0 }));
}

/** The cost of a planned stack under a scenario; throws CostError naming every type, region or size it cannot price. */
export function costOf(plan: Plan, scenario: Scenario = defaultScenario): CostReport {
    const problems: string[] = [];
    const unknown = [...new Set(plan.resources.map((r) => r.type))].filter((t) => !pricers[t] && !(t in notBillable) && !t.startsWith("shop:"));
    for (const type of unknown) problems.push(`${type}: not in the cost model; price it (tools/cost.ts pricers) or list it as not billable, with why`);
    for (const region of new Set(plan.resources.map((r) => r.region).filter((r): r is string => !!r))) {
        try {
            pricesFor(region);
        } catch (err) {
            problems.push((err as Error).message);
        }
    }
    if (problems.length > 0) throw new CostError(problems);

    let capacity: Capacity;
    try {
        capacity = capacityOf(plan, scenario);
    } catch (err) {
        if (err instanceof PriceError) throw new CostError([err.message]);
        throw err;
    }
    const pagesPerSecond = "percentOfCapacity" in scenario.load ? (capacity.normal * scenario.load.percentOfCapacity) / 100 : scenario.load.pagesPerSecond;
    const warnings: string[] = [];
    if (pagesPerSecond > capacity.max)
        warnings.push(
            `the load (${Math.round(pagesPerSecond)} page views/s) is above what the stack carries at its maximum size (${Math.round(capacity.max)}/s)`,
        );
    const shares = regionShares(plan, capacity);
    const charges: Charge[] = [];
    const zones = (region: string) => zonesOf(plan, region);
    // Fleets grow with the load once it passes what their tier carries at its minimum size.
    const growth = (tier: "application" | "nginx") => {
        const t = capacity.tiers.find((x) => x.tier === tier);
        return t && t.normal > 0 ? pagesPerSecond / t.normal : 0;
    };
    const pagesIn = (region: string) => pagesPerSecond * (shares.get(region) ?? 0);
    const context: Context = {
        plan,
        scenario,
        pagesPerSecond,
        pagesIn,
        connectionsIn: (region) => pagesIn(region) * scenario.thinkTimeSeconds,
        zones,
        fleetSize: (group) => {
            const i = inputs(group);
            const g = group.name.startsWith("shop-nginx-") ? growth("nginx") : /^shop-[a-z-]+-fleet-/.test(group.name) ? growth("application") : 0;
            return Math.min(i.maxSize, Math.max(i.minSize, Math.ceil(i.minSize * g)));
        },
        add: (part, item, region, quantity, price) => {
            if (quantity > 0)
                charges.push({
                    item,
                    region,
                    quantity,
                    unit: price.unit,
                    unitPrice: price.usd,
                    source: price.source,
                    monthly: quantity * price.usd,
                    priceKey: price.key!,
                    part,
                });
        },
        appLogBytes: (region) => {
            // One request line a page view from the app that serves it, where the app ships its logs to CloudWatch (its fleets' and the lone server's log groups).
            const shipped = plan.resources.some(
                (r) => r.region === region && r.type === "aws:cloudwatch/logGroup:LogGroup" && /^shop-(server$|[a-z-]+-fleet-)/.test(r.name),
            );
            return shipped ? pagesIn(region) * secondsPerMonth * scenario.traffic.logLineBytes : 0;
        },
    };
    for (const r of plan.resources) {
        try {
            pricers[r.type]?.(r, context);
        } catch (err) {
            if (err instanceof PriceError) problems.push(`${r.name}: ${err.message}`);
            else throw err;
        }
    }
    if (problems.length > 0) throw new CostError(problems);

    const regions = [...shares.keys()];
    for (const region of regions) {
        const p = pricesFor(region);
        interZone(context, region, context.add);
        const logBytes = context.appLogBytes(region);
        if (logBytes > 0) context.add("load", `${region}: app request lines to CloudWatch Logs, GB`, region, gb(logBytes), p.logsIngestion);
    }
    // Internet egress: the responses; the first 100 GB a month of the account are free, taken off pro rata.
    const egress = regions.map((region) => ({ region, amount: gb(pagesIn(region) * secondsPerMonth * scenario.traffic.responseBytes) }));
    for (const e of afterFreeTier(egress, 100))
        context.add("load", `${e.region}: internet egress, GB (after the free 100 GB)`, e.region, e.billed, pricesFor(e.region).internetEgress);
    // X-Ray: a trace starts where a page view enters, kept at the stacks' ratio; people's queries scan and retrieve them.
    const traced = tracedRegions(plan);
    const recorded = regions.filter((region) => traced.has(region)).map((region) => ({ region, amount: pagesIn(region) * secondsPerMonth * traceSampleRatio }));
    for (const t of afterFreeTier(recorded, xrayFreeTraces.recorded))
        context.add(
            "load",
            `${t.region}: X-Ray traces recorded, million (${traceSampleRatio * 100}% of page views, after the free ${xrayFreeTraces.recorded.toLocaleString("en-US")})`,
            t.region,
            t.billed / 1e6,
            pricesFor(t.region).xrayTracesRecorded,
        );
    const queriesPerMonth = scenario.traffic.traceQueriesPerDay * (hoursPerMonth / 24);
    const read = recorded.map((t) => ({
        region: t.region,
        amount: queriesPerMonth * (t.amount / hoursPerMonth + scenario.traffic.tracesRetrievedPerQuery),
    }));
    for (const t of afterFreeTier(read, xrayFreeTraces.retrievedOrScanned))
        context.add(
            "load",
            `${t.region}: X-Ray traces scanned and retrieved, million (${scenario.traffic.traceQueriesPerDay} queries a day over the last hour, after the free ${xrayFreeTraces.retrievedOrScanned.toLocaleString("en-US")})`,
            t.region,
            t.billed / 1e6,
            pricesFor(t.region).xrayTracesRetrievedOrScanned,
        );

    const sum = (part?: Charge["part"]) => charges.filter((x) => !part || x.part === part).reduce((total, x) => total + x.monthly, 0);
    const pageViewsPerMonth = pagesPerSecond * secondsPerMonth;
    const atLoad = sum();
    return {
        scenario,
        pagesPerSecond,
        capacity,
        charges,
        atMinimum: sum("minimum"),
        atLoad,
        pageViewsPerMonth,
        perMillionPageViews: pageViewsPerMonth > 0 ? atLoad / (pageViewsPerMonth / 1e6) : 0,
        warnings,
    };
}

/** Users a rate of page views stands for: a shopper asks for a page every think time. */
export function usersAt(pagesPerSecond: number, scenario: Scenario): number {
    return Math.floor(pagesPerSecond * scenario.thinkTimeSeconds);
}

/** What the figures are, said wherever they are shown. */
export const costLabel = `Monthly on-demand estimate: every charge priced at its own region's rates, usage charges from a stated traffic scenario, capacity converted per vCPU from the shop's benchmark with the journey mix, Nginx and data tiers assumed (the lab's one-machine table of stages ${labTable.stages}, ${labTable.measured}, cited in the README, not converted): an estimate to check against the bill, not a quote.`;

export function renderCost(plan: Plan, report: CostReport): string {
    const money = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    const count = (n: number) => Math.round(n).toLocaleString("en-US");
    const quantity = (n: number) => (n >= 100 ? count(n) : n.toLocaleString("en-US", { maximumFractionDigits: 3 }));
    const s = report.scenario;
    const cap = report.capacity;
    const lines = [
        costLabel,
        `${plan.stack} stage ${plan.stage.number} (${plan.stage.slug}), on-demand prices of ${priceDate} (tools/prices.ts), ${hoursPerMonth} hours a month.`,
        `Scenario: ${describeScenario(s)}; a page view costs ${mixCost(s.journeys).toFixed(2)} product pages of CPU: ${count(report.pagesPerSecond)} page views/s, ${count(usersAt(report.pagesPerSecond, s))} users, ${count(report.pageViewsPerMonth / 1e6)} million page views a month.`,
        "",
        "  a month       quantity unit                          unit price  charge [region] source",
    ];
    for (const part of ["minimum", "load"] as const) {
        lines.push(part === "minimum" ? "At minimum size, no traffic:" : "Added by the scenario's load:");
        for (const c of report.charges.filter((x) => x.part === part))
            lines.push(
                `  ${money(c.monthly).padStart(11)}  ${quantity(c.quantity).padStart(12)} ${c.unit.padEnd(28)} ${`$${c.unitPrice}`.padStart(10)}  ${c.item} [${c.region}] ${c.source}`,
            );
    }
    lines.push(
        "",
        `  ${money(report.atMinimum).padStart(11)}  a month at minimum size`,
        `  ${money(report.atLoad).padStart(11)}  a month at the scenario's load`,
        `  ${money(report.perMillionPageViews).padStart(11)}  per million page views`,
        "",
        "Capacity, page views/s (users = page views/s × think time):",
        ...cap.tiers.map(
            (t) =>
                `  ${t.tier.padEnd(12)} ${count(t.normal).padStart(7)} normal, ${count(t.zoneLost).padStart(7)} one zone lost${t.regionLost !== undefined ? `, ${count(t.regionLost).padStart(7)} one region lost` : ""}, ${count(t.max).padStart(7)} at maximum size  (${t.basis})`,
        ),
        `  carries ${count(usersAt(cap.normal, s))} users (${cap.limitedBy} limits), ${count(usersAt(cap.zoneLost, s))} with one zone lost${cap.regionLost !== undefined ? `, ${count(usersAt(cap.regionLost, s))} with one region lost` : ""}, ${count(usersAt(cap.max, s))} at maximum size`,
        ...report.warnings.map((w) => `  warning: ${w}`),
    );
    return lines.join("\n");
}
