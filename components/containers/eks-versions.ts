/**
 * Versions of the EKS platform, pinned in one place and moved together.
 *
 * Kubernetes 1.35: on 2026-11-30 the newest minor in EKS standard support, with the longest
 * runway (EKS release 2026-01-28, end of standard support 2027-03-27; 1.34's ends 2026-12-02),
 * per the Amazon EKS Kubernetes release calendar,
 * https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html#kubernetes-release-calendar
 * (as mirrored by https://endoflife.date/amazon-eks). Before its end of standard support, move to
 * the next minor: `aws eks describe-cluster-versions` lists the versions and their dates. The
 * clusters ask for standard support only, so AWS would otherwise upgrade the control plane itself.
 *
 * The EKS add-ons are left at EKS's default build for the cluster's version, so that they move
 * with it; `shop-evolution:addonVersions` pins one where needed (list the builds with
 * `aws eks describe-addon-versions --kubernetes-version <version> --addon-name <name>`).
 */
export const kubernetesVersion = "1.35";

/** The EKS managed add-ons the clusters run. */
export const eksAddonNames = ["vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "metrics-server", "amazon-cloudwatch-observability"] as const;
export type EksAddonName = (typeof eksAddonNames)[number];

/** The AWS Load Balancer Controller's Helm chart (chart 1.14.x ships controller v2.14.x). */
export const loadBalancerControllerChart = { repo: "https://aws.github.io/eks-charts", chart: "aws-load-balancer-controller", version: "1.14.0" } as const;

/** The Nginx image of the Kubernetes Nginx tier: unprivileged (listens on 8080, runs as uid 101). */
export const nginxImage = "nginxinc/nginx-unprivileged:1.28-alpine";
/** The image that fetches the RDS certificate authorities before the shop starts. */
export const curlImage = "curlimages/curl:8.11.1";
/** The Cluster Autoscaler, on the cluster's minor version (its releases follow Kubernetes's, one a minor). */
export const clusterAutoscalerImage = `registry.k8s.io/autoscaling/cluster-autoscaler:v${kubernetesVersion}.0`;
