/**
 * Versions of the EKS platform, pinned in one place and moved together. Kubernetes 1.34 is
 * in EKS standard support until December 2026; before then, move to the next minor version:
 * list the add-on builds for it with
 *   aws eks describe-addon-versions --kubernetes-version <version> --addon-name <name> \
 *     --query 'addons[].addonVersions[].addonVersion'
 * and the chart with `helm search repo eks/aws-load-balancer-controller --versions`.
 */
export const kubernetesVersion = "1.34";

/** EKS managed add-ons, at builds published for `kubernetesVersion`. */
export const addonVersions = {
    "vpc-cni": "v1.20.4-eksbuild.2",
    "kube-proxy": "v1.34.0-eksbuild.2",
    coredns: "v1.12.3-eksbuild.1",
    "eks-pod-identity-agent": "v1.3.10-eksbuild.2",
} as const;

/** The AWS Load Balancer Controller's Helm chart (chart 1.14.x ships controller v2.14.x). */
export const loadBalancerControllerChart = { repo: "https://aws.github.io/eks-charts", chart: "aws-load-balancer-controller", version: "1.14.0" } as const;

/** The Nginx image of the Kubernetes Nginx tier: unprivileged (listens on 8080, runs as uid 101). */
export const nginxImage = "nginxinc/nginx-unprivileged:1.28-alpine";
/** The image that fetches the RDS certificate authorities before the shop starts. */
export const curlImage = "curlimages/curl:8.11.1";
/** The Cluster Autoscaler: its minor version is the cluster's (1.34). */
export const clusterAutoscalerImage = "registry.k8s.io/autoscaling/cluster-autoscaler:v1.34.0";
