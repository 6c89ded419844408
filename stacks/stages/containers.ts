import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EksCluster } from "../../components/containers/eks-cluster";
import { loadBalancerControllerTag } from "../../components/containers/load-balancer-controller-policy";
import { NginxWorkload } from "../../components/containers/nginx-workload";
import { restrictedNamespace } from "../../components/containers/restricted-namespace";
import { ShopWorkload } from "../../components/containers/shop-workload";
import { LoadBalancer } from "../../components/edge/load-balancer";
import { StackConfig } from "../config";
import { ServingCell } from "../region-cell";
import { regionCode } from "../region-code";
import { mergedEnvironment, mergedSecrets, mergedStatements, ServerWiring } from "../server-wiring";
import { serviceUrlsOf, shopApps } from "../service-layout";

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
    options: { image: pulumi.Input<string>; certificateArn?: pulumi.Input<string> },
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
            nodeSecurityGroupIds: [cell.appGroupId],
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
    const ns = restrictedNamespace(`shop-${region}`, namespace, inCluster);

    const apps = Object.entries(shopApps(config.stage.number));
    const split = apps.length > 1;
    const serviceOf = (key: string) => (key === "app" ? "shop" : `shop-${key}`);
    const serviceUrls = serviceUrlsOf(apps, (key) => `http://${serviceOf(key)}.${namespace}.svc.cluster.local`);
    const environment = { SHOP_REGION: region, ...mergedEnvironment(wirings) };
    const secretEnv = secretValues(wirings);
    const statements = mergedStatements(wirings);
    for (const [key, app] of apps) {
        new ShopWorkload(
            `${serviceOf(key)}-${region}`,
            {
                namespace: ns.metadata.name,
                image: options.image,
                serviceName: serviceOf(key),
                env: { ...environment, ...(split ? { SHOP_MODULES: app.modules.join(",") } : {}), ...(app.modules.includes("gateway") ? serviceUrls : {}) },
                secretEnv,
                rdsCertificates: wirings.some((w) => w.rdsCertificates),
                replicas: { min: config.sizing.fleetMinSize, max: config.sizing.fleetMaxSize },
                // The pods' own AWS rights (the media bucket), through EKS Pod Identity.
                ...(statements.length > 0 && { podIdentity: { clusterName: cluster.clusterName, statements } }),
            },
            afterController,
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
