import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterAutoscalerImage } from "./eks-versions";
import { podIdentityRole } from "./pod-identity";
import { restrictedContainerSecurity } from "./workload-parts";

export interface ClusterAutoscalerArgs {
    /** The EKS cluster's name: the autoscaler finds the node groups tagged for it. */
    clusterName: string;
    /** The cluster's name as its resource's output, so that the role's association waits for the cluster. */
    cluster: pulumi.Input<string>;
    region: string;
    /** Seconds a node must be unneeded before it is removed. @default 600 */
    scaleDownUnneededSeconds?: number;
    tags?: Record<string, string>;
}

/**
 * The Kubernetes Cluster Autoscaler (stage 15): pods that cannot be scheduled add nodes to
 * the managed node groups, and nodes left unneeded go, within each group's minimum and
 * maximum. Plain objects rather than a chart, so that every one is planned and checked: a
 * service account with an IAM role through Pod Identity that may change only the Auto
 * Scaling groups tagged for this cluster, the RBAC of the upstream autodiscovery manifest,
 * and one replica under the restricted profile (leader election keeps a second one idle).
 * Its image's minor version follows the cluster's (`eks-versions.ts`).
 */
export class ClusterAutoscaler extends pulumi.ComponentResource {
    constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("shop:containers:ClusterAutoscaler", name, {}, opts);
        const parent = { parent: this };
        const namespace = "kube-system";
        const account = "cluster-autoscaler";
        const labels = { "app.kubernetes.io/name": "cluster-autoscaler" };

        podIdentityRole(
            `${name}-role`,
            {
                clusterName: args.cluster,
                namespace,
                serviceAccount: account,
                statements: [
                    {
                        Action: [
                            "autoscaling:DescribeAutoScalingGroups",
                            "autoscaling:DescribeAutoScalingInstances",
                            "autoscaling:DescribeLaunchConfigurations",
                            "autoscaling:DescribeScalingActivities",
                            "autoscaling:DescribeTags",
                            "ec2:DescribeImages",
                            "ec2:DescribeInstanceTypes",
                            "ec2:DescribeLaunchTemplateVersions",
                            "ec2:GetInstanceTypesFromInstanceRequirements",
                            "eks:DescribeNodegroup",
                        ],
                        Resource: "*",
                    },
                    // Changes only to the groups EKS tagged for this cluster's node groups.
                    {
                        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                        Resource: "*",
                        Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${args.clusterName}`]: "owned" } },
                    },
                ],
                tags: args.tags,
            },
            parent,
        );

        const serviceAccount = new k8s.core.v1.ServiceAccount(name, { metadata: { name: account, namespace, labels } }, parent);
        const read = ["watch", "list", "get"];
        const clusterRole = new k8s.rbac.v1.ClusterRole(
            name,
            {
                metadata: { labels },
                rules: [
                    { apiGroups: [""], resources: ["events", "endpoints"], verbs: ["create", "patch"] },
                    { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
                    { apiGroups: [""], resources: ["pods/status"], verbs: ["update"] },
                    { apiGroups: [""], resources: ["endpoints"], resourceNames: ["cluster-autoscaler"], verbs: ["get", "update"] },
                    { apiGroups: [""], resources: ["nodes"], verbs: ["watch", "list", "get", "update"] },
                    {
                        apiGroups: [""],
                        resources: ["namespaces", "pods", "services", "replicationcontrollers", "persistentvolumeclaims", "persistentvolumes"],
                        verbs: read,
                    },
                    { apiGroups: ["apps"], resources: ["statefulsets", "replicasets", "daemonsets"], verbs: read },
                    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["watch", "list"] },
                    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities"], verbs: read },
                    { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: read },
                    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
                    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["cluster-autoscaler"], verbs: ["get", "update"] },
                ],
            },
            parent,
        );
        new k8s.rbac.v1.ClusterRoleBinding(
            name,
            {
                metadata: { labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: account, namespace }],
            },
            parent,
        );
        const role = new k8s.rbac.v1.Role(
            name,
            {
                metadata: { namespace, labels },
                rules: [
                    { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "list", "watch"] },
                    {
                        apiGroups: [""],
                        resources: ["configmaps"],
                        resourceNames: ["cluster-autoscaler-status", "cluster-autoscaler-priority-expander"],
                        verbs: ["delete", "get", "update", "watch"],
                    },
                ],
            },
            parent,
        );
        new k8s.rbac.v1.RoleBinding(
            name,
            {
                metadata: { namespace, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: account, namespace }],
            },
            parent,
        );
        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { namespace, labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: labels },
                    template: {
                        metadata: { labels },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name,
                            priorityClassName: "system-cluster-critical",
                            securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
                            containers: [
                                {
                                    name: "cluster-autoscaler",
                                    image: clusterAutoscalerImage,
                                    command: [
                                        "./cluster-autoscaler",
                                        "--cloud-provider=aws",
                                        `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${args.clusterName}`,
                                        "--balance-similar-node-groups",
                                        "--skip-nodes-with-system-pods=false",
                                        "--expander=least-waste",
                                        `--scale-down-unneeded-time=${args.scaleDownUnneededSeconds ?? 600}s`,
                                    ],
                                    env: [{ name: "AWS_REGION", value: args.region }],
                                    resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { cpu: "1", memory: "600Mi" } },
                                    securityContext: restrictedContainerSecurity,
                                },
                            ],
                        },
                    },
                },
            },
            parent,
        );
        this.registerOutputs({});
    }
}
