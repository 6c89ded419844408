import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { assumableBy } from "../iam";
import { awsRegion, cidrBlock, intRange, isIntIn, Problems } from "../validation";
import { EksAddonName, eksAddonNames, kubernetesVersion, loadBalancerControllerChart } from "./eks-versions";
import { loadBalancerControllerStatements } from "./load-balancer-controller-policy";
import { AlarmsArgs, ComponentAlarms } from "../observability/alarms";
import { podIdentityRole, podIdentityTrust } from "./pod-identity";

export interface NodeGroupArgs {
    /** Instance types, several for Spot capacity. */
    instanceTypes: string[];
    /** Nodes at least, at most, and to start with (0-1000; min ≤ desired ≤ max). */
    minSize: number;
    maxSize: number;
    /** @default minSize */
    desiredSize?: number;
    /** @default "ON_DEMAND" */
    capacityType?: "ON_DEMAND" | "SPOT";
    /** Root volume, GiB (20-16384). @default 50 */
    diskGiB?: number;
    /** The node image. @default "AL2023_x86_64_STANDARD" */
    amiType?: "AL2023_x86_64_STANDARD" | "AL2023_ARM_64_STANDARD" | "BOTTLEROCKET_x86_64" | "BOTTLEROCKET_ARM_64";
    /** Kubernetes labels on the nodes. @default {} */
    labels?: Record<string, string>;
}

export interface EksClusterArgs {
    /** The cluster's name in AWS (1-100 letters, digits, - and _). */
    clusterName: string;
    /** The region, for the kubeconfig and the load balancer controller. */
    region: string;
    vpcId: pulumi.Input<string>;
    /** Private subnets, in at least two zones: the control plane's network interfaces and the nodes. */
    privateSubnetIds: pulumi.Input<string>[];
    /** @default the version pinned in eks-versions.ts */
    kubernetesVersion?: string;
    /** CIDRs allowed to reach the public API endpoint; none keeps the endpoint private. @default [] */
    publicAccessCidrs?: string[];
    /** IAM principals (roles of the platform team, of CI) given cluster-admin through access entries. @default [] */
    adminPrincipalArns?: pulumi.Input<string>[];
    /** Managed node groups, keyed by a stable name: adding one renames nothing. */
    nodeGroups: Record<string, NodeGroupArgs>;
    /** KMS key for Kubernetes secrets. @default a new key with rotation */
    kmsKeyArn?: pulumi.Input<string>;
    /** Retention of the control-plane logs, in days. @default 30 */
    logRetentionDays?: number;
    /**
     * Security groups the nodes wear besides the cluster's own (the group the data tier
     * admits: pods share their node's groups). @default [] (the cluster's group alone)
     */
    nodeSecurityGroupIds?: pulumi.Input<string>[];
    /**
     * Builds of the EKS add-ons, by add-on name, where one must be pinned. @default each add-on
     * at EKS's default build for the cluster's version (so that an upgrade of the cluster moves them too)
     */
    addonVersions?: Partial<Record<EksAddonName, string>>;
    /**
     * Security groups for pods: the VPC CNI gives the pods a security group policy selects
     * network interfaces of their own (ENABLE_POD_ENI, through trunk interfaces on the nodes),
     * and the cluster's role may manage them (AmazonEKSVPCResourceController). Needs node
     * instance types that support trunking: Nitro types, no `t` family. @default false
     */
    podSecurityGroups?: boolean;
    /** Install the AWS Load Balancer Controller. @default true */
    loadBalancerController?: boolean;
    tags?: Record<string, string>;
    /**
     * Container Insights (the amazon-cloudwatch-observability add-on: node and pod metrics, and the
     * containers' logs in /aws/containerinsights/<cluster>/application) with alarms on failed nodes,
     * the nodes' CPU and the running pods of each namespace named in `namespaces` (with the fewest
     * pods it should run); false for neither. @default on, with a topic of its own
     */
    alarms?: (AlarmsArgs & { namespaces?: Record<string, number> }) | false;
}

const clusterLogTypes = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/**
 * An EKS cluster built from @pulumi/aws and @pulumi/kubernetes directly, so that every
 * resource shows in the offline plan: a pinned Kubernetes version, a private API endpoint
 * (public only from listed CIDRs), access entries instead of the aws-auth ConfigMap, secrets
 * encrypted with KMS, control-plane logs, managed node groups on launch templates (IMDSv2,
 * encrypted volumes), the core add-ons at pinned builds, EKS Pod Identity for workload IAM,
 * and the AWS Load Balancer Controller so that Services and Ingresses get NLBs and ALBs.
 */
export class EksCluster extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    /** The security group EKS made for the control plane and the nodes. */
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    /** A kubeconfig that authenticates through `aws eks get-token` (secret). */
    readonly kubeconfig: pulumi.Output<string>;
    /** The provider for workloads on this cluster. */
    readonly provider: k8s.Provider;
    readonly nodeRoleArn: pulumi.Output<string>;
    /** The AWS Load Balancer Controller's release: what makes Services, Ingresses and TargetGroupBindings work (undefined when not installed). */
    readonly loadBalancerController?: k8s.helm.v3.Release;
    /** The Auto Scaling group behind each managed node group, by key (for scheduled scaling). */
    readonly nodeGroupAutoScalingGroups: Record<string, pulumi.Output<string>> = {};
    /** Each managed node group's ARN: what a fault experiment terminates nodes of. */
    readonly nodegroupArns: pulumi.Output<string>[] = [];
    /** Where Container Insights sends the containers' logs (one JSON record a line, the line parsed under log_processed). */
    readonly applicationLogGroupName?: pulumi.Output<string>;
    /** Its alarms, and the metrics they watch. */
    readonly alarms: ComponentAlarms;

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        super("shop:containers:EksCluster", name, {}, opts);

        const tags = args.tags ?? {};
        const parent = { parent: this };
        const publicCidrs = args.publicAccessCidrs ?? [];

        const clusterRole = new aws.iam.Role(`${name}-cluster`, { assumeRolePolicy: assumableBy("eks.amazonaws.com"), tags }, parent);
        const clusterPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-cluster`,
            { role: clusterRole.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy" },
            parent,
        );
        // Security groups for pods: the VPC resource controller, run by EKS as the cluster's role, manages the pods' interfaces.
        const vpcResourcePolicy = args.podSecurityGroups
            ? [
                  new aws.iam.RolePolicyAttachment(
                      `${name}-vpc-resources`,
                      { role: clusterRole.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController" },
                      parent,
                  ),
              ]
            : [];
        const kmsKeyArn =
            args.kmsKeyArn ??
            new aws.kms.Key(
                `${name}-secrets`,
                { description: `Kubernetes secrets of ${args.clusterName}`, enableKeyRotation: true, deletionWindowInDays: 30, tags },
                parent,
            ).arn;
        // Made before the cluster, so that its retention applies from the first log line (EKS would make it without one).
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane`,
            { name: `/aws/eks/${args.clusterName}/cluster`, retentionInDays: args.logRetentionDays ?? 30, tags },
            parent,
        );

        const cluster = new aws.eks.Cluster(
            name,
            {
                name: args.clusterName,
                version: args.kubernetesVersion ?? kubernetesVersion,
                roleArn: clusterRole.arn,
                vpcConfig: {
                    subnetIds: args.privateSubnetIds,
                    endpointPrivateAccess: true,
                    endpointPublicAccess: publicCidrs.length > 0,
                    publicAccessCidrs: publicCidrs.length > 0 ? publicCidrs : undefined,
                },
                accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
                encryptionConfig: { provider: { keyArn: kmsKeyArn }, resources: ["secrets"] },
                enabledClusterLogTypes: clusterLogTypes,
                // The add-ons below are EKS-managed; EKS should not also install unmanaged copies.
                bootstrapSelfManagedAddons: false,
                // Standard support only: never billed for extended support without a decision to.
                upgradePolicy: { supportType: "STANDARD" },
                tags,
            },
            { ...parent, dependsOn: [clusterPolicy, logGroup] },
        );
        this.clusterName = cluster.name;
        this.endpoint = cluster.endpoint;
        this.clusterSecurityGroupId = cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId);

        const admins = (args.adminPrincipalArns ?? []).map((principalArn, i) => {
            const entry = new aws.eks.AccessEntry(`${name}-admin-${i}`, { clusterName: cluster.name, principalArn, type: "STANDARD", tags }, parent);
            return new aws.eks.AccessPolicyAssociation(
                `${name}-admin-${i}`,
                {
                    clusterName: cluster.name,
                    principalArn: entry.principalArn,
                    policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                    accessScope: { type: "cluster" },
                },
                parent,
            );
        });

        // Add-ons the nodes need before they can become ready: networking and pod credentials.
        const podIdentityAgent = new aws.eks.Addon(
            `${name}-eks-pod-identity-agent`,
            {
                clusterName: cluster.name,
                addonName: "eks-pod-identity-agent",
                addonVersion: args.addonVersions?.["eks-pod-identity-agent"],
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "PRESERVE",
                tags,
            },
            parent,
        );
        const cniRole = new aws.iam.Role(`${name}-vpc-cni`, { assumeRolePolicy: podIdentityTrust, tags }, parent);
        new aws.iam.RolePolicyAttachment(`${name}-vpc-cni`, { role: cniRole.name, policyArn: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy" }, parent);
        const vpcCni = new aws.eks.Addon(
            `${name}-vpc-cni`,
            {
                clusterName: cluster.name,
                addonName: "vpc-cni",
                addonVersion: args.addonVersions?.["vpc-cni"],
                // The CNI's permissions belong to its own service account, not to every pod through the node role.
                podIdentityAssociations: [{ roleArn: cniRole.arn, serviceAccount: "aws-node" }],
                // NetworkPolicies enforced by the CNI's node agent; with security groups for pods, the pods' own interfaces
                // ("standard" mode: the pods' groups and the NetworkPolicies both apply, and the kubelet's probes reach them).
                configurationValues: JSON.stringify({
                    enableNetworkPolicy: "true",
                    ...(args.podSecurityGroups && { env: { ENABLE_POD_ENI: "true", POD_SECURITY_GROUP_ENFORCING_MODE: "standard" } }),
                }),
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "PRESERVE",
                tags,
            },
            { ...parent, dependsOn: [podIdentityAgent, ...vpcResourcePolicy] },
        );
        const kubeProxy = new aws.eks.Addon(
            `${name}-kube-proxy`,
            {
                clusterName: cluster.name,
                addonName: "kube-proxy",
                addonVersion: args.addonVersions?.["kube-proxy"],
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "PRESERVE",
                tags,
            },
            parent,
        );

        const nodeRole = new aws.iam.Role(`${name}-node`, { assumeRolePolicy: assumableBy("ec2.amazonaws.com"), tags }, parent);
        const nodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"].map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, { role: nodeRole.name, policyArn: `arn:aws:iam::aws:policy/${policy}` }, parent),
        );
        const nodeAccess = new aws.eks.AccessEntry(`${name}-node`, { clusterName: cluster.name, principalArn: nodeRole.arn, type: "EC2_LINUX", tags }, parent);
        this.nodeRoleArn = nodeRole.arn;

        const nodeGroups = Object.entries(args.nodeGroups).map(([key, group]) => {
            const template = new aws.ec2.LaunchTemplate(
                `${name}-${key}`,
                {
                    description: `Nodes of ${args.clusterName}/${key}`,
                    // IMDSv2 only, one hop: pods cannot reach the node's credentials; they get their own through Pod Identity.
                    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
                    blockDeviceMappings: [
                        {
                            deviceName: "/dev/xvda",
                            ebs: { volumeSize: group.diskGiB ?? 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                        },
                    ],
                    // Groups named here replace EKS's default, so the cluster's own group is named too.
                    vpcSecurityGroupIds: args.nodeSecurityGroupIds?.length ? [this.clusterSecurityGroupId, ...args.nodeSecurityGroupIds] : undefined,
                    // Each specification needs a tag of its own: EC2 refuses an empty one, and the provider's default tags do not reach these.
                    tagSpecifications: [
                        { resourceType: "instance", tags: { ...tags, Name: `${args.clusterName}-${key}` } },
                        { resourceType: "volume", tags: { ...tags, Name: `${args.clusterName}-${key}` } },
                    ],
                    tags,
                },
                parent,
            );
            return new aws.eks.NodeGroup(
                `${name}-${key}`,
                {
                    clusterName: cluster.name,
                    nodeRoleArn: nodeRole.arn,
                    subnetIds: args.privateSubnetIds,
                    amiType: group.amiType ?? "AL2023_x86_64_STANDARD",
                    instanceTypes: group.instanceTypes,
                    capacityType: group.capacityType ?? "ON_DEMAND",
                    scalingConfig: { minSize: group.minSize, maxSize: group.maxSize, desiredSize: group.desiredSize ?? group.minSize },
                    updateConfig: { maxUnavailablePercentage: 33 },
                    launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
                    labels: { "shop-evolution/node-group": key, ...group.labels },
                    tags,
                },
                // The cluster autoscaler (or Karpenter) owns the size once the group exists.
                { ...parent, dependsOn: [...nodePolicies, nodeAccess, vpcCni, kubeProxy, podIdentityAgent], ignoreChanges: ["scalingConfig.desiredSize"] },
            );
        });

        Object.keys(args.nodeGroups).forEach((key, i) => {
            this.nodeGroupAutoScalingGroups[key] = nodeGroups[i].resources.apply((r) => r?.[0]?.autoscalingGroups?.[0]?.name ?? "");
            this.nodegroupArns.push(nodeGroups[i].arn);
        });

        // CoreDNS runs as pods: it becomes healthy only once there are nodes.
        new aws.eks.Addon(
            `${name}-coredns`,
            {
                clusterName: cluster.name,
                addonName: "coredns",
                addonVersion: args.addonVersions?.["coredns"],
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "PRESERVE",
                tags,
            },
            { ...parent, dependsOn: nodeGroups },
        );

        // The Metrics API (metrics.k8s.io) that the workloads' autoscalers read; without it they never scale.
        new aws.eks.Addon(
            `${name}-metrics-server`,
            {
                clusterName: cluster.name,
                addonName: "metrics-server",
                addonVersion: args.addonVersions?.["metrics-server"],
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "PRESERVE",
                tags,
            },
            { ...parent, dependsOn: nodeGroups },
        );

        this.alarms = new ComponentAlarms(name, args.alarms, this, tags);
        if (this.alarms.enabled) {
            // Made before the agent, so that their retention applies from the first line (the agent would make them without one).
            const insightsLogs = ["application", "performance"].map(
                (kind) =>
                    new aws.cloudwatch.LogGroup(
                        `${name}-insights-${kind}`,
                        { name: `/aws/containerinsights/${args.clusterName}/${kind}`, retentionInDays: args.logRetentionDays ?? 30, tags },
                        parent,
                    ),
            );
            this.applicationLogGroupName = insightsLogs[0].name;
            const agentRole = new aws.iam.Role(`${name}-cloudwatch-agent`, { assumeRolePolicy: podIdentityTrust, tags }, parent);
            new aws.iam.RolePolicyAttachment(
                `${name}-cloudwatch-agent`,
                { role: agentRole.name, policyArn: "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy" },
                parent,
            );
            new aws.eks.Addon(
                `${name}-cloudwatch-observability`,
                {
                    clusterName: cluster.name,
                    addonName: "amazon-cloudwatch-observability",
                    addonVersion: args.addonVersions?.["amazon-cloudwatch-observability"],
                    podIdentityAssociations: [{ roleArn: agentRole.arn, serviceAccount: "cloudwatch-agent" }],
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "PRESERVE",
                    tags,
                },
                { ...parent, dependsOn: [...nodeGroups, ...insightsLogs] },
            );
            const on = { namespace: "ContainerInsights", dimensions: { ClusterName: cluster.name } };
            this.alarms.metric(`${name}-failed-nodes`, {
                ...on,
                kind: "clusterFailedNodes",
                description: `${args.clusterName}: nodes failing (NotReady). Look at: kubectl describe node, the node group's health in the EKS console, the nodes' Auto Scaling activity`,
                metricName: "cluster_failed_node_count",
                stat: "Maximum",
                comparison: "GreaterThanThreshold",
            });
            this.alarms.metric(`${name}-node-cpu`, {
                ...on,
                kind: "clusterNodeCpuPercent",
                description: `${args.clusterName}: the nodes' CPU above the threshold; pods are throttled and new ones may not fit. Look at: kubectl top pods, the workloads' autoscalers, the node group's maximum size`,
                metricName: "node_cpu_utilization",
                stat: "Average",
                comparison: "GreaterThanThreshold",
            });
            const rule = this.alarms.rule("clusterRunningPodsPercent");
            for (const [namespace, fewest] of Object.entries(args.alarms ? (args.alarms.namespaces ?? {}) : {}))
                this.alarms.metric(`${name}-${namespace}-pods`, {
                    namespace: "ContainerInsights",
                    dimensions: { Namespace: namespace, ClusterName: cluster.name },
                    kind: "clusterRunningPodsPercent",
                    description: `${args.clusterName}: fewer pods running in ${namespace} than its ${fewest}. Look at: kubectl get pods -n ${namespace} (CrashLoopBackOff, Pending), kubectl get events -n ${namespace}, the pods' logs in /aws/containerinsights/${args.clusterName}/application`,
                    metricName: "namespace_number_of_running_pods",
                    stat: "Minimum",
                    comparison: "LessThanThreshold",
                    threshold: (fewest * rule.threshold) / 100,
                });
        }

        this.kubeconfig = pulumi.secret(
            pulumi
                .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
                .apply(([clusterName, endpoint, ca]) => kubeconfigFor(clusterName, endpoint, ca.data ?? "", args.region)),
        );
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig: this.kubeconfig, enableServerSideApply: true },
            { ...parent, dependsOn: [...admins, ...nodeGroups] },
        );

        if (args.loadBalancerController ?? true) {
            const serviceAccount = "aws-load-balancer-controller";
            const controllerRole = podIdentityRole(
                `${name}-lb-controller`,
                { clusterName: cluster.name, namespace: "kube-system", serviceAccount, statements: loadBalancerControllerStatements, tags },
                { ...parent, dependsOn: [podIdentityAgent] },
            );
            this.loadBalancerController = new k8s.helm.v3.Release(
                `${name}-lb-controller`,
                {
                    chart: loadBalancerControllerChart.chart,
                    version: loadBalancerControllerChart.version,
                    repositoryOpts: { repo: loadBalancerControllerChart.repo },
                    namespace: "kube-system",
                    // Region and VPC given, since the controller cannot read them from the node's metadata (one hop).
                    values: {
                        clusterName: cluster.name,
                        region: args.region,
                        vpcId: args.vpcId,
                        replicaCount: 2,
                        serviceAccount: { create: true, name: serviceAccount },
                    },
                    atomic: true,
                },
                { ...parent, provider: this.provider, dependsOn: [controllerRole, ...nodeGroups] },
            );
        }

        this.registerOutputs({
            clusterName: this.clusterName,
            endpoint: this.endpoint,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
            kubeconfig: this.kubeconfig,
        });
    }
}

/** A kubeconfig whose credentials come from `aws eks get-token`, so it holds no secret of its own beyond the endpoint. */
export function kubeconfigFor(clusterName: string, endpoint: string, certificateAuthority: string, region: string): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": certificateAuthority } }],
        contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
        "current-context": clusterName,
        users: [
            {
                name: clusterName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
                        interactiveMode: "Never",
                    },
                },
            },
        ],
    });
}

function validate(name: string, args: EksClusterArgs): void {
    const problems = new Problems();
    problems.check(
        !/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(args.clusterName),
        `clusterName: expected 1-100 letters, digits, - and _, starting with a letter or digit (got "${args.clusterName}")`,
    );
    problems.expect("region", awsRegion, args.region);
    problems.check(args.privateSubnetIds.length < 2, `privateSubnetIds: EKS needs subnets in at least two zones (got ${args.privateSubnetIds.length})`);
    if (args.kubernetesVersion !== undefined)
        problems.check(
            !/^1\.\d{2}$/.test(args.kubernetesVersion),
            `kubernetesVersion: expected a minor version such as ${kubernetesVersion} (got "${args.kubernetesVersion}")`,
        );
    for (const cidr of args.publicAccessCidrs ?? []) {
        problems.expect("publicAccessCidrs", cidrBlock(), cidr);
        problems.check(cidr.endsWith("/0"), `publicAccessCidrs: "${cidr}" opens the API endpoint to the whole internet; list the networks that need it`);
    }
    const groups = Object.entries(args.nodeGroups);
    problems.check(groups.length === 0, "nodeGroups: at least one node group is needed");
    for (const [key, group] of groups) {
        const at = `nodeGroups.${key}`;
        problems.check(!/^[a-z][a-z0-9-]{0,30}$/.test(key), `${at}: the key must be lowercase letters, digits and -, at most 31 characters`);
        problems.check(group.instanceTypes.length === 0, `${at}.instanceTypes: at least one instance type is needed`);
        const untrunked = group.instanceTypes.filter((type) => /^t\d/.test(type));
        problems.check(
            args.podSecurityGroups === true && untrunked.length > 0,
            `${at}.instanceTypes: security groups for pods need instance types that support trunk interfaces; no t family (got ${untrunked.join(", ")})`,
        );
        const desired = group.desiredSize ?? group.minSize;
        problems.check(
            !isIntIn(group.minSize, 0, 1000) || !isIntIn(group.maxSize, 1, 1000),
            `${at}: minSize must be 0-1000 and maxSize 1-1000 (got ${group.minSize} and ${group.maxSize})`,
        );
        problems.check(
            !(group.minSize <= desired && desired <= group.maxSize),
            `${at}: expected minSize ≤ desiredSize ≤ maxSize (got ${group.minSize} ≤ ${desired} ≤ ${group.maxSize})`,
        );
        if (group.diskGiB !== undefined) problems.expect(`${at}.diskGiB`, intRange(20, 16384), group.diskGiB);
    }
    for (const [addon, version] of Object.entries(args.addonVersions ?? {})) {
        problems.check(!(eksAddonNames as readonly string[]).includes(addon), `addonVersions: ${addon} is not one of ${eksAddonNames.join(", ")}`);
        problems.check(
            !/^v\d+\.\d+\.\d+-eksbuild\.\d+$/.test(String(version)),
            `addonVersions.${addon}: expected a build such as v1.2.3-eksbuild.1 (got "${version}")`,
        );
    }
    if (args.logRetentionDays !== undefined) problems.expect("logRetentionDays", intRange(1, 3653), args.logRetentionDays);
    problems.throwIfAny("EksCluster", name);
}
