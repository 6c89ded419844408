import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EksCluster } from "../../components/containers/eks-cluster";
import { loadBalancerControllerTag } from "../../components/containers/load-balancer-controller-policy";
import { NginxWorkload } from "../../components/containers/nginx-workload";
import { restrictedNamespace } from "../../components/containers/restricted-namespace";
import { shopMetricsPort, shopPort, ShopWorkload } from "../../components/containers/shop-workload";
import { LoadBalancer } from "../../components/edge/load-balancer";
import { StackConfig } from "../config";
import { ServingCell } from "../region-cell";
import { regionCode } from "../region-code";
import { collectsTraces } from "../tracing";
import { mergedEnvironment, mergedSecrets, mergedStatements, ownedWirings, ServerWiring } from "../server-wiring";
import { catalogCallers, wiredDomains, serviceUrlsFor, shopApps } from "../service-layout";

/** Where the Nginx pods listen, and where they answer health checks (the Kubernetes Nginx tier's ports). */
const nginxPorts = { traffic: 8080, health: 8081 };
const namespace = "shop";

/**
 * Stage 14 (seed 3.14): every service and the Nginx tier as Kubernetes workloads on an EKS
 * cluster per region (`shop-<stack>-<region>`), the same image and the same environment
 * contract as on the fleets, cut into the same services (`shopApps`), each a Deployment and
 * a Service reached by its in-cluster name. The nodes wear the app group, so the data tier
 * admits the pods as it admitted the fleets. The public NLB stays the stack's own, with its
 * name, certificate, records and access logs: its target group takes the Nginx pods by IP,
 * through a TargetGroupBinding that the load balancer controller keeps current.
 */
export function containers(
    config: StackConfig,
    cell: ServingCell,
    wirings: ServerWiring[],
    options: {
        image: pulumi.Input<string>;
        certificateArn?: pulumi.Input<string>;
        /** What the shop's pods roll after: the migrations. @default nothing */
        after?: pulumi.Resource[];
        /** Peered ranges the pods reach (the home region's writers, from another region). @default {} */
        egressPeers?: Record<string, string>;
    },
): { edge: LoadBalancer; cluster: EksCluster } {
    const { region, network, provider } = cell;
    const clusterName = `shop-${pulumi.getStack()}-${region}`;
    const deployer = aws.getCallerIdentityOutput({}, { provider }).arn;
    const cluster = new EksCluster(
        `shop-${region}`,
        {
            clusterName,
            region,
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            publicAccessCidrs: config.clusterApiCidrs,
            // Whoever runs `pulumi up` (the role behind its session) administers the cluster, with the platform team named in config.
            adminPrincipalArns: [aws.iam.getSessionContextOutput({ arn: deployer }, { provider }).issuerArn, ...config.clusterAdmins],
            nodeGroups: {
                general: { instanceTypes: [config.sizing.nodeInstanceType], minSize: config.sizing.nodeMinSize, maxSize: config.sizing.nodeMaxSize },
            },
            // Each shop pod wears its app's group on an interface of its own (security groups for pods); the nodes wear the cluster's group.
            podSecurityGroups: true,
            addonVersions: config.addonVersions,
            logRetentionDays: config.sizing.logRetentionDays,
            // Every workload's pods at their floor, and Nginx's (see below).
            alarms: {
                ...cell.alarms,
                namespaces: { [namespace]: Object.keys(shopApps(config.stage.number)).length * config.sizing.fleetMinSize + nginxMinimum(config) },
            },
        },
        { provider },
    );
    const inCluster = { provider: cluster.provider };
    // Services and the TargetGroupBinding go through the load balancer controller's webhooks and CRD: they wait for it to run.
    const afterController = { providers: { kubernetes: cluster.provider }, dependsOn: cluster.loadBalancerController ? [cluster.loadBalancerController] : [] };
    // The shop's pods also wait for the migrations.
    const afterMigrations = { ...afterController, dependsOn: [...afterController.dependsOn, ...(options.after ?? [])] };
    const ns = restrictedNamespace(`shop-${region}`, namespace, inCluster);

    const podGroup = shopPodGroup(cell, cluster, options.egressPeers ?? {});
    const apps = Object.entries(shopApps(config.stage.number));
    const split = apps.length > 1;
    const serviceOf = (key: string) => (key === "app" ? "shop" : `shop-${key}`);
    const urlOf = (key: string) => `http://${serviceOf(key)}.${namespace}.svc.cluster.local`;
    // Orders and the cart reserve stock through the catalog's API where they do not hold the catalog.
    const { callers, catalogApp } = catalogCallers(apps);
    for (const [key, app] of apps) {
        // Each workload gets only what its domains own, and what every process shares.
        const own = split ? ownedWirings(wirings, wiredDomains(app)) : wirings;
        const environment = { SHOP_REGION: region, ...mergedEnvironment(own) };
        const statements = mergedStatements(own);
        new ShopWorkload(
            `${serviceOf(key)}-${region}`,
            {
                namespace: ns.metadata.name,
                image: options.image,
                serviceName: serviceOf(key),
                env: {
                    ...environment,
                    ...(split ? { SHOP_MODULES: app.modules.join(",") } : {}),
                    ...serviceUrlsFor(apps, key, urlOf),
                },
                secretEnv: secretValues(own),
                rdsCertificates: own.some((w) => w.rdsCertificates),
                replicas: { min: config.sizing.fleetMinSize, max: config.sizing.fleetMaxSize },
                // The pods' own AWS rights (the media bucket), through EKS Pod Identity.
                ...(statements.length > 0 && { podIdentity: { clusterName: cluster.clusterName, statements } }),
                ...(collectsTraces(wirings) && { traceCollector: { region } }),
                // The app's group, which only its domains' stores admit, and the pods' common rules.
                podSecurityGroupIds: [podGroup.id, cell.appGroups[key]],
                // Nginx reaches the entry; the entry's gateway reaches the services; no one else.
                admitPods: [
                    { "app.kubernetes.io/name": app.reachedBy === "service" ? serviceOf("app") : "nginx" },
                    // The catalog's stock API, for the services that reserve stock.
                    ...(key === catalogApp ? callers.map((caller) => ({ "app.kubernetes.io/name": serviceOf(caller) })) : []),
                ],
                vpcCidr: network.cidrBlock,
            },
            afterMigrations,
        );
    }

    const edge = new LoadBalancer(
        `shop-edge-${regionCode(region)}`,
        {
            type: "network",
            vpcId: network.vpcId,
            vpcCidr: network.cidrBlock,
            subnetIds: network.publicSubnetIds,
            targetGroups: {
                nginx: {
                    port: nginxPorts.traffic,
                    targetType: "ip",
                    proxyProtocol: true,
                    healthCheckPort: nginxPorts.health,
                    // The load balancer controller may register targets only in target groups tagged for its cluster.
                    tags: { [loadBalancerControllerTag]: clusterName },
                },
            },
            certificateArn: options.certificateArn,
            deletionProtection: config.protectData,
            alarms: cell.alarms,
        },
        { provider },
    );
    // Pods carry their node's groups: the cluster's group admits the NLB on Nginx's two ports.
    for (const port of Object.values(nginxPorts)) {
        new aws.vpc.SecurityGroupIngressRule(
            `shop-${region}-nginx-${port}-from-edge`,
            {
                securityGroupId: cluster.clusterSecurityGroupId,
                referencedSecurityGroupId: edge.securityGroupId,
                ipProtocol: "tcp",
                fromPort: port,
                toPort: port,
                description: `Nginx pods ${port} from the NLB`,
            },
            { provider },
        );
    }
    new NginxWorkload(
        `nginx-${region}`,
        {
            namespace: ns.metadata.name,
            upstream: { host: `shop.${namespace}.svc.cluster.local`, port: 80 },
            vpcCidr: network.cidrBlock,
            targetGroupArn: edge.targetGroupArns.nginx,
            replicas: { min: nginxMinimum(config), max: config.sizing.fleetMaxSize },
        },
        afterController,
    );
    return { edge, cluster };
}

/** The Nginx tier's fewest pods: two at least, so that one can be rescheduled while the other serves. */
function nginxMinimum(config: StackConfig): number {
    return Math.max(2, config.sizing.fleetMinSize);
}

/**
 * What every shop pod's own interface needs besides its app's group: the kubelet's probes and
 * Nginx (on the nodes, in the cluster's group) and the gateway (another shop pod) in; the VPC
 * (CoreDNS, the stores, the services), the peered home region and HTTPS (AWS's APIs) out. The
 * cluster's group admits DNS from the pods, whose interfaces no longer wear it.
 */
function shopPodGroup(cell: ServingCell, cluster: EksCluster, egressPeers: Record<string, string>): aws.ec2.SecurityGroup {
    const { region, network, provider } = cell;
    const name = `shop-pods-${region}`;
    const group = new aws.ec2.SecurityGroup(
        name,
        { vpcId: network.vpcId, description: "Shop pods: their callers in, the VPC and HTTPS out", tags: { Name: name } },
        { provider },
    );
    for (const [key, port] of Object.entries({ http: shopPort, metrics: shopMetricsPort })) {
        for (const [from, source] of Object.entries({ nodes: cluster.clusterSecurityGroupId, pods: group.id })) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-${key}-from-${from}`,
                {
                    securityGroupId: group.id,
                    referencedSecurityGroupId: source,
                    ipProtocol: "tcp",
                    fromPort: port,
                    toPort: port,
                    description: `${key} from the ${from}`,
                },
                { provider },
            );
        }
    }
    const egress = (key: string, args: Omit<aws.vpc.SecurityGroupEgressRuleArgs, "securityGroupId">) =>
        new aws.vpc.SecurityGroupEgressRule(`${name}-${key}`, { securityGroupId: group.id, ...args }, { provider });
    egress("vpc", { ipProtocol: "-1", cidrIpv4: network.cidrBlock, description: "DNS, the stores and the services in the VPC" });
    egress("https", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "AWS's APIs through the NAT gateways" });
    for (const [peer, cidr] of Object.entries(egressPeers)) {
        egress(`to-${peer}`, { ipProtocol: "-1", cidrIpv4: cidr, description: `The ${peer} writers across the peering` });
    }
    for (const protocol of ["udp", "tcp"]) {
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-dns-${protocol}`,
            {
                securityGroupId: cluster.clusterSecurityGroupId,
                referencedSecurityGroupId: group.id,
                ipProtocol: protocol,
                fromPort: 53,
                toPort: 53,
                description: `DNS (${protocol}) from the shop's pods`,
            },
            { provider },
        );
    }
    return group;
}

/**
 * The secrets of the contract, as the values this program made (every database keeps a
 * password of its own making from stage 14: RDS would rotate a managed one behind the
 * Secret's back), into the workloads' Secret, encrypted in etcd with the cluster's KMS key.
 */
function secretValues(wirings: ServerWiring[]): Record<string, pulumi.Input<string>> {
    const secrets = mergedSecrets(wirings);
    const unknown = Object.entries(secrets)
        .filter(([, ref]) => ref.value === undefined)
        .map(([name]) => name);
    if (unknown.length > 0) throw new Error(`containers: no value for ${unknown.join(", ")}: a Kubernetes Secret needs the value, not only where it is kept`);
    return Object.fromEntries(Object.entries(secrets).map(([name, ref]) => [name, ref.value!]));
}
