/**
 * The preflight's rules: what AWS or terraform-provider-aws refuses only when `pulumi up`
 * calls it, written once as the project's own table. Neither the mock runtime (no provider
 * check) nor `pulumi preview` (no create call) sees these refusals.
 *
 * Read in terraform-provider-aws 6.47.x, Go module version v1.60.1-0.20260602190131-5f2286d6d836
 * (commit 5f2286d6d836), as the upstream @pulumi/aws 7.48.0 bridges (docs/preflight.md). Each rule
 * names the error it prevents and where the rule is stated: a file of that source tree
 * (`internal/service/...`), an AWS API reference page, or the project's own file.
 *
 * Three kinds of rules: the API preconditions a plan shows (tag specifications, scheduled
 * capacities, global database keys, ordering against the Load Balancer Controller...), the
 * naming rules of every resource type the program uses (length and characters of the name
 * the cloud gets: the given one, or the resource name with Pulumi's random suffix), and the
 * arguments the provider declares conflicting or required together.
 */
import type { Plan } from "./plan";
import { alarmRules } from "./preflight-alarm-rules";

export type PlanResource = Plan["resources"][number];

export interface PreflightContext {
    plan: Plan;
    byUrn: Map<string, PlanResource>;
    /** Whether `resource` depends on one that `matches`, directly or through what it depends on. */
    reaches(resource: PlanResource, matches: (other: PlanResource) => boolean): boolean;
    /** The day the plan is checked for: the EKS calendar is read as of it. */
    now: Date;
    /** The plan this one replaces (the previous stage, or the base branch), when given: by the URN in this plan (a resource moved with an alias, under its new one). */
    previous?: Map<string, PlanResource>;
}

export interface PreflightRule {
    id: string;
    /** The resource types it looks at. */
    types: string[];
    /** The error that AWS or the provider answers, which the rule prevents. */
    prevents: string;
    /** Where the rule is stated: a file of terraform-provider-aws at the bridged version, or an AWS document. */
    source: string;
    /** Problems of one planned resource; none when it complies. */
    check?(resource: PlanResource, context: PreflightContext): string[];
    /** Problems of a resource the previous plan had and this one removes (only with a previous plan). */
    checkRemoved?(resource: PlanResource, context: PreflightContext): string[];
}

const tfSource = (file: string) => `terraform-provider-aws ${file}`;
const unknownMarks = ["(known after apply)", "(looked up at deploy)", "[secret]"];

/** Whether a configured value is still unknown in an offline plan (computed, looked up at deploy, or secret). */
export const isUnknown = (value: unknown) => typeof value === "string" && unknownMarks.some((mark) => value.includes(mark));
/** Whether an argument is configured: any value, `false`, `0` and `""` included, as the provider's checks count it. */
const isSet = (value: unknown) => value !== undefined && value !== null;

/** The values at a dotted path; a list on the way yields each element's. */
function valuesAt(value: unknown, path: string): unknown[] {
    let current: unknown[] = [value];
    for (const key of path.split(".")) {
        current = current
            .flatMap((v) => (Array.isArray(v) ? v : [v]))
            .filter((v): v is Record<string, unknown> => typeof v === "object" && v !== null)
            .map((v) => v[key])
            .filter(isSet);
    }
    return current;
}

/** The items at a dotted path: a list there yields its elements. */
const itemsAt = (value: unknown, path: string) => valuesAt(value, path).flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]));

// ---------------------------------------------------------------------------------------------
// API preconditions that a plan shows (issue 15's plan-visible defects among them)
// ---------------------------------------------------------------------------------------------

const loadBalancerControllerChart = "aws-load-balancer-controller";
const isLoadBalancerControllerRelease = (r: PlanResource) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === loadBalancerControllerChart;
const targetGroupBindingType = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding";
/** The tag that the controller's IAM policy requires on a target group before it registers targets into it. */
const controllerClusterTag = "elbv2.k8s.aws/cluster";

/**
 * Amazon EKS standard support, by Kubernetes minor version: 14 months from EKS's release
 * (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html, dates as
 * listed there and on https://endoflife.date/amazon-eks). A version not listed is refused
 * until its dates are added.
 */
export const eksStandardSupportEnds: Record<string, string> = {
    "1.29": "2025-03-23",
    "1.30": "2025-07-23",
    "1.31": "2025-11-26",
    "1.32": "2026-03-23",
    "1.33": "2026-07-29",
    "1.34": "2026-12-02",
    "1.35": "2027-03-27",
};
/** A cluster's version must stay in standard support this long after the plan's day: with `upgradePolicy: STANDARD` EKS upgrades the control plane itself when it ends. */
export const eksSupportMarginDays = 90;

const dayMs = 86_400_000;

/** The resources of a resource's Region; every resource when it has none of its own (Kubernetes objects: then each cluster must comply). */
const sameRegion = (r: PlanResource, context: PreflightContext) =>
    context.plan.resources.filter((o) => r.region === undefined || r.region === null || o.region === r.region);
const isVpcCni = (r: PlanResource) => r.type === "aws:eks/addon:Addon" && r.inputs.addonName === "vpc-cni";
/** The VPC CNI add-on's configuration values, as far as the plan knows them. */
function cniConfiguration(addon: PlanResource): { enableNetworkPolicy?: string; env?: Record<string, string> } {
    const values = addon.inputs.configurationValues;
    return typeof values === "string" && !isUnknown(values) ? JSON.parse(values) : {};
}

export const preconditionRules: PreflightRule[] = [
    {
        id: "fis-template-shape",
        types: ["aws:fis/experimentTemplate:ExperimentTemplate"],
        prevents:
            "FIS CreateExperimentTemplate (or the provider's validation): an action target key outside the allowed list, more than five resource ARNs in a target, a selection mode other than ALL, COUNT(n) or PERCENT(n), a stop condition source other than aws:cloudwatch:alarm or none, an action naming a target the template lacks",
        source: `${tfSource("internal/service/fis/experiment_template.go")} (validExperimentTemplateActionTargetKey, resource_arns MaxItems 5, selection_mode, validExperimentTemplateStopConditionSource)`,
        check: (r) => {
            const allowedKeys = [
                "AutoScalingGroups",
                "Buckets",
                "Cluster",
                "Clusters",
                "DBInstances",
                "Instances",
                "Nodegroups",
                "Pods",
                "ReplicationGroups",
                "Roles",
                "SpotInstances",
                "Subnets",
                "Tables",
                "Tasks",
                "TransitGateways",
                "Volumes",
            ];
            const targets = itemsAt(r.inputs, "targets") as { name?: string; resourceArns?: unknown[]; selectionMode?: string }[];
            const problems: string[] = [];
            for (const t of targets) {
                if ((t.resourceArns?.length ?? 0) > 5) problems.push(`targets.${t.name}: ${t.resourceArns!.length} resource ARNs, at most 5`);
                if (t.selectionMode !== undefined && !isUnknown(t.selectionMode) && !/^(ALL|COUNT\(\d+\)|PERCENT\(\d+\))$/.test(t.selectionMode))
                    problems.push(`targets.${t.name}: selectionMode ${t.selectionMode} is not ALL, COUNT(n) or PERCENT(n)`);
            }
            for (const a of itemsAt(r.inputs, "actions") as { name?: string; target?: { key?: string; value?: string } }[]) {
                if (a.target?.key !== undefined && !allowedKeys.includes(a.target.key))
                    problems.push(`actions.${a.name}: target key ${a.target.key} is not one FIS knows`);
                if (a.target?.value !== undefined && !targets.some((t) => t.name === a.target!.value))
                    problems.push(`actions.${a.name}: names target ${a.target.value}, which the template lacks`);
            }
            for (const c of itemsAt(r.inputs, "stopConditions") as { source?: string }[])
                if (c.source !== "aws:cloudwatch:alarm" && c.source !== "none")
                    problems.push(`stopConditions: source ${c.source} is not aws:cloudwatch:alarm or none`);
            return problems;
        },
    },
    {
        id: "lambda-image-from-another-region",
        types: ["aws:lambda/function:Function"],
        prevents:
            "Lambda CreateFunction: InvalidParameterValueException — a function from a container image pulls it from an Amazon ECR repository in the function's own Region",
        source: "https://docs.aws.amazon.com/lambda/latest/dg/images-create.html (Requirements: the Amazon ECR repository must be in the same AWS Region as the Lambda function)",
        check: (r) => {
            const uri = r.inputs.imageUri;
            if (r.inputs.packageType !== "Image" || typeof uri !== "string" || isUnknown(uri)) return [];
            const registryRegion = /^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\//.exec(uri)?.[1];
            if (registryRegion === undefined) return uri === "pending" ? [] : [`imageUri ${uri} is not an Amazon ECR image`];
            return registryRegion === r.region ? [] : [`imageUri is in ${registryRegion}, the function in ${r.region}`];
        },
    },
    {
        id: "lambda-in-vpc-without-interface-rights",
        types: ["aws:lambda/function:Function"],
        prevents:
            "Lambda CreateFunction: InvalidParameterValueException — The provided execution role does not have permissions to call CreateNetworkInterface on EC2 (a function in a VPC)",
        source: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html (Required IAM permissions: AWSLambdaVPCAccessExecutionRole)",
        check: (r, context) => {
            const vpc = r.inputs.vpcConfig as { subnetIds?: unknown[] } | undefined;
            if (!vpc?.subnetIds || vpc.subnetIds.length === 0) return [];
            const grants = (other: PlanResource) =>
                other.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" &&
                String(other.inputs.policyArn).endsWith(":policy/service-role/AWSLambdaVPCAccessExecutionRole");
            return context.reaches(r, grants) ? [] : ["runs in a VPC but does not depend on its role's AWSLambdaVPCAccessExecutionRole attachment"];
        },
    },
    {
        id: "pod-security-groups-without-pod-eni",
        types: ["kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy"],
        prevents:
            "Pods selected by a SecurityGroupPolicy stay on the node's interface (or Pending): the VPC CNI needs ENABLE_POD_ENI=true, the cluster's role AmazonEKSVPCResourceController, and nodes of trunk-capable types (no t family)",
        source: "https://docs.aws.amazon.com/eks/latest/userguide/security-groups-pods-deployment.html; https://docs.aws.amazon.com/eks/latest/userguide/security-groups-for-pods.html (Considerations: no instance types in the t family)",
        check: (r, context) => {
            const here = sameRegion(r, context);
            const cnis = here.filter(isVpcCni);
            const controller = here.some(
                (o) =>
                    o.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" &&
                    String(o.inputs.policyArn).endsWith(":policy/AmazonEKSVPCResourceController"),
            );
            const burstable = here
                .filter((o) => o.type === "aws:eks/nodeGroup:NodeGroup")
                .flatMap((o) => (Array.isArray(o.inputs.instanceTypes) ? (o.inputs.instanceTypes as string[]) : []))
                .filter((type) => /^t\d/.test(type));
            return [
                ...(cnis.length > 0 && cnis.every((cni) => cniConfiguration(cni).env?.ENABLE_POD_ENI === "true")
                    ? []
                    : ["the vpc-cni add-on of its Region does not set ENABLE_POD_ENI=true"]),
                ...(controller ? [] : ["no cluster role of its Region has AmazonEKSVPCResourceController"]),
                ...(burstable.length > 0 ? [`node groups of its Region run ${[...new Set(burstable)].join(", ")}, which have no trunk interfaces`] : []),
            ];
        },
    },
    {
        id: "network-policy-not-enforced",
        types: ["kubernetes:networking.k8s.io/v1:NetworkPolicy"],
        prevents:
            "A NetworkPolicy accepted but never enforced: the VPC CNI enforces NetworkPolicies only with enableNetworkPolicy set in its add-on configuration",
        source: "https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html (enable the network policy parameter for the add-on)",
        check: (r, context) => {
            const cnis = sameRegion(r, context).filter(isVpcCni);
            return cnis.length > 0 && cnis.every((cni) => cniConfiguration(cni).enableNetworkPolicy === "true")
                ? []
                : ["the vpc-cni add-on of its Region does not set enableNetworkPolicy"];
        },
    },
    {
        id: "launch-template-tag-specification-without-tags",
        types: ["aws:ec2/launchTemplate:LaunchTemplate"],
        prevents:
            "EC2 CreateLaunchTemplate: InvalidTagSpecification / InvalidParameterValue for a tag specification with a resource type and no tags (the provider's default tags never reach tag specifications)",
        source: `${tfSource("internal/service/ec2/ec2_launch_template.go")} (expandLaunchTemplateTagSpecificationRequest sends a specification with no tags); https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateTagSpecificationRequest.html`,
        check: (r) =>
            itemsAt(r.inputs, "tagSpecifications")
                .filter((spec) => {
                    const tags = (spec as { tags?: unknown }).tags;
                    return !isUnknown(tags) && (typeof tags !== "object" || tags === null || Object.keys(tags).length === 0);
                })
                .map((spec) => `tagSpecifications: the "${String((spec as { resourceType?: unknown }).resourceType)}" specification carries no tags`),
    },
    {
        id: "global-secondary-cluster-without-kms-key",
        types: ["aws:rds/cluster:Cluster"],
        prevents:
            "RDS CreateDBCluster: InvalidParameterCombination — an encrypted cross-Region secondary of a global database needs KmsKeyId, a key valid in its own Region",
        source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html (KmsKeyId); https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-getting-started.html",
        check: (r, context) => {
            const i = r.inputs;
            if (!isSet(i.globalClusterIdentifier) || i.storageEncrypted !== true || isSet(i.kmsKeyId)) return [];
            return isCrossRegionSecondary(r, context) ? ["an encrypted secondary of a global database in another Region has no kmsKeyId"] : [];
        },
    },
    {
        id: "scheduled-action-capacity",
        types: ["aws:autoscaling/schedule:Schedule"],
        prevents:
            "Auto Scaling PutScheduledUpdateGroupAction: ValidationError — desired capacity below the minimum or above the maximum (the provider sends 0 for an unset minSize, maxSize or desiredCapacity; -1 leaves one unchanged)",
        source: `${tfSource("internal/service/autoscaling/schedule.go")} (resourceSchedulePut: -1 means unset, anything else is sent); https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutScheduledUpdateGroupAction.html`,
        check: (r) => {
            const i = r.inputs;
            const fields = ["minSize", "maxSize", "desiredCapacity"] as const;
            const problems = fields.filter((f) => !isSet(i[f])).map((f) => `${f} is unset, so the provider sends 0 (set it, or -1 to leave it unchanged)`);
            // -1 leaves a value as it is: nothing to compare it with.
            const [min, max, desired] = fields.map((f) => (isSet(i[f]) && !isUnknown(i[f]) && Number(i[f]) >= 0 ? Number(i[f]) : undefined));
            if (min !== undefined && desired !== undefined && desired < min) problems.push(`desiredCapacity ${desired} is below minSize ${min}`);
            if (max !== undefined && desired !== undefined && desired > max) problems.push(`desiredCapacity ${desired} is above maxSize ${max}`);
            if (min !== undefined && max !== undefined && min > max) problems.push(`minSize ${min} is above maxSize ${max}`);
            return problems;
        },
    },
    {
        id: "deletion-protected-load-balancer-removed",
        types: ["aws:lb/loadBalancer:LoadBalancer"],
        prevents:
            "ELBv2 DeleteLoadBalancer: OperationNotPermitted — the load balancer has deletion protection; the stage that removes it cannot apply (a single plan cannot show a removal: give the previous plan)",
        source: `${tfSource("internal/service/elbv2/load_balancer.go")} (enable_deletion_protection); https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteLoadBalancer.html`,
        checkRemoved: (r) =>
            r.inputs.enableDeletionProtection === true
                ? ["removed while deletion protection is on: turn it off in a stage before the one that removes it"]
                : [],
    },
    {
        id: "internal-load-balancer-deletion-protection",
        types: ["aws:lb/loadBalancer:LoadBalancer"],
        prevents:
            "ELBv2 DeleteLoadBalancer: OperationNotPermitted when a later stage removes it — internal load balancers hold no data and carry no deletion protection (the decision of issue 15), so no stage change is refused for one",
        source: `${tfSource("internal/service/elbv2/load_balancer.go")} (enable_deletion_protection); https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#deletion-protection`,
        check: (r) => (r.inputs.internal === true && r.inputs.enableDeletionProtection === true ? ["an internal load balancer with deletion protection"] : []),
    },
    {
        id: "target-group-without-controller-tag",
        types: [targetGroupBindingType],
        prevents: `ELBv2 RegisterTargets: AccessDenied for the AWS Load Balancer Controller — its policy allows it only on target groups tagged ${controllerClusterTag}, so the pods never join the target group`,
        source: "components/containers/load-balancer-controller-policy.ts (ManageOwnLoadBalancers); https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/main/docs/install/iam_policy.json",
        check: (r, context) =>
            r.dependsOn
                .map((urn) => context.byUrn.get(urn))
                .filter((t): t is PlanResource => t?.type === "aws:lb/targetGroup:TargetGroup")
                .filter((t) => {
                    const tags = t.inputs.tags;
                    return !isUnknown(tags) && !(typeof tags === "object" && tags !== null && controllerClusterTag in tags);
                })
                .map((t) => `its target group ${t.name} has no ${controllerClusterTag} tag`),
    },
    {
        id: "load-balancer-controller-object-before-release",
        types: [
            targetGroupBindingType,
            "kubernetes:core/v1:Service",
            "kubernetes:networking.k8s.io/v1:Ingress",
            "kubernetes:elbv2.k8s.aws/v1beta1:IngressClassParams",
        ],
        prevents:
            'Kubernetes create: no matches for kind "TargetGroupBinding", or Internal error: failed calling webhook "mservice.elbv2.k8s.aws" (no endpoints) — the AWS Load Balancer Controller\'s CRDs and webhooks refuse objects until its release is installed and its pods are ready',
        source: "https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/installation/ (the chart installs the CRDs and the mutating and validating webhooks, failurePolicy Fail)",
        check: (r, context) => {
            const needsController = r.type === targetGroupBindingType || r.type.startsWith("kubernetes:elbv2.k8s.aws/");
            const controllerPlanned = context.plan.resources.some(isLoadBalancerControllerRelease);
            if (!needsController && !controllerPlanned) return [];
            if (context.reaches(r, isLoadBalancerControllerRelease)) return [];
            return [
                controllerPlanned
                    ? "does not depend on the AWS Load Balancer Controller's Helm release (dependsOn), so it may be created before the controller's CRDs and webhooks serve"
                    : "no AWS Load Balancer Controller release is planned to serve it",
            ];
        },
    },
    {
        id: "eks-version-out-of-standard-support",
        types: ["aws:eks/cluster:Cluster"],
        prevents: `EKS: a version past standard support costs extended support or, with upgradePolicy STANDARD, is upgraded by EKS itself while the pinned add-ons and autoscaler stay behind (checked ${eksSupportMarginDays} days ahead of the plan's day)`,
        source: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html (the release calendar); https://endoflife.date/amazon-eks",
        check: (r, context) => {
            const version = r.inputs.version;
            if (!isSet(version) || isUnknown(version)) return ["no version pinned: EKS picks its default, which this calendar cannot check"];
            const ends = eksStandardSupportEnds[String(version)];
            if (!ends)
                return [`Kubernetes ${String(version)} is not in the project's EKS calendar (tools/preflight-rules.ts): add its end of standard support`];
            const daysLeft = Math.floor((Date.parse(`${ends}T00:00:00Z`) - context.now.getTime()) / dayMs);
            return daysLeft < eksSupportMarginDays
                ? [
                      `Kubernetes ${String(version)} leaves EKS standard support on ${ends} (${daysLeft < 0 ? "already" : `in ${daysLeft} days`}, less than ${eksSupportMarginDays} days from ${context.now.toISOString().slice(0, 10)})`,
                  ]
                : [];
        },
    },
    {
        id: "instance-class-change-waits",
        types: ["aws:rds/clusterInstance:ClusterInstance"],
        prevents:
            "RDS ModifyDBInstance without ApplyImmediately: the new class waits for the maintenance window, so the stage's readers are not what it says until then (visible only against the previous plan)",
        source: `${tfSource("internal/service/rds/cluster_instance.go")} (apply_immediately); https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html`,
        check: (r, context) => {
            const before = context.previous?.get(r.urn);
            if (!before || before.inputs.instanceClass === r.inputs.instanceClass || r.inputs.applyImmediately === true) return [];
            return [`instanceClass changes from ${String(before.inputs.instanceClass)} to ${String(r.inputs.instanceClass)} without applyImmediately`];
        },
    },
    {
        id: "engine-minor-pinned-with-automatic-upgrades",
        types: ["aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"],
        prevents:
            "RDS ModifyDBCluster / ModifyDBInstance: InvalidParameterCombination on a later `pulumi up` — once AWS upgrades the minor in a maintenance window, the provider reads the new minor into engineVersion and plans a downgrade to the pinned one, which RDS refuses",
        source: `${tfSource("internal/service/rds/verify.go (compareActualEngineVersion keeps a major-only version, takes the actual one for a pinned minor)")}; https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_UpgradeDBInstance.Maintenance.html`,
        check: (r, context) => {
            const version = r.inputs.engineVersion;
            if (typeof version !== "string" || isUnknown(version) || !version.includes(".")) return [];
            // Automatic minor upgrades are set on the instances (on by default); a cluster is upgraded with them.
            const upgrades = (i: PlanResource) => i.inputs.autoMinorVersionUpgrade !== false;
            const automatic =
                r.type === "aws:rds/clusterInstance:ClusterInstance"
                    ? upgrades(r)
                    : context.plan.resources.some((i) => i.type === "aws:rds/clusterInstance:ClusterInstance" && i.dependsOn.includes(r.urn) && upgrades(i));
            return automatic
                ? [
                      `engineVersion ${version} pins a minor while automatic minor version upgrades are on: pin the major (${version.split(".")[0]}) or turn them off`,
                  ]
                : [];
        },
    },
    {
        id: "replication-group-failover",
        types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
        prevents:
            'the provider\'s plan check (CustomizeDiff): "automatic_failover_enabled must be true if multi_az_enabled is true" and "num_cache_clusters: must be at least 2 if automatic_failover_enabled is true"',
        source: tfSource(
            "internal/service/elasticache/replication_group.go (replicationGroupValidateMultiAZAutomaticFailover, replicationGroupValidateAutomaticFailoverNumCacheClusters)",
        ),
        check: (r) => {
            const i = r.inputs;
            return [
                ...(i.multiAzEnabled === true && i.automaticFailoverEnabled !== true ? ["multiAzEnabled without automaticFailoverEnabled"] : []),
                ...(i.automaticFailoverEnabled === true && typeof i.numCacheClusters === "number" && i.numCacheClusters < 2
                    ? [`automaticFailoverEnabled with numCacheClusters ${i.numCacheClusters}; at least 2`]
                    : []),
            ];
        },
    },
    {
        id: "target-group-tcp-health-check",
        types: ["aws:lb/targetGroup:TargetGroup"],
        prevents:
            'the provider\'s plan check (CustomizeDiff): a TCP health check conflicts with a matcher or a path, and an HTTP or HTTPS target group cannot take a TCP health check (Attribute "health_check[0].protocol" cannot have value "TCP" ...)',
        source: tfSource("internal/service/elbv2/target_group.go (resourceTargetGroupCustomizeDiff)"),
        check: (r) => {
            const health = (r.inputs.healthCheck ?? {}) as Record<string, unknown>;
            if (String(health.protocol ?? "").toUpperCase() !== "TCP") return [];
            return [
                ...(["matcher", "path"] as const)
                    .filter((key) => typeof health[key] === "string" && health[key] !== "")
                    .map((key) => `healthCheck.${key} beside a TCP health check`),
                ...(["HTTP", "HTTPS"].includes(String(r.inputs.protocol ?? "").toUpperCase())
                    ? [`a TCP health check on an ${String(r.inputs.protocol)} target group`]
                    : []),
            ];
        },
    },
];

/** Whether a cluster that joins a global database lies in another Region than the global database's primary (unknown: assumed so). */
function isCrossRegionSecondary(cluster: PlanResource, context: PreflightContext): boolean {
    const global = cluster.dependsOn.map((urn) => context.byUrn.get(urn)).find((r) => r?.type === "aws:rds/globalCluster:GlobalCluster");
    const primary = global?.dependsOn.map((urn) => context.byUrn.get(urn)).find((r) => r?.type === "aws:rds/cluster:Cluster");
    return !primary || primary.region !== cluster.region;
}

// ---------------------------------------------------------------------------------------------
// Naming rules of every resource type the program uses
// ---------------------------------------------------------------------------------------------

/**
 * How the cloud name of a resource type is made and what it must be. When `property` is left
 * unset and `generated` says so, the name is the resource's name with Pulumi's random suffix:
 * `-` and 7 characters for AWS (the bridge's autonaming), `-` and 8 for Kubernetes objects,
 * lower-cased where the provider lower-cases it.
 */
export interface NameSpec {
    type: string;
    /** The input holding the name (dotted for nested, like `metadata.name`). */
    property: string;
    /** Who names it when the program does not: Pulumi from the resource name (its suffix length), or the provider itself (then nothing to check). */
    generated?: { suffix: number; lowerCase?: boolean };
    min?: number;
    max: number;
    /** What every character must be, as the rule's text says it. */
    characters?: { pattern: RegExp; text: string };
    /** Further shapes the name must not have. */
    forbidden?: { pattern: RegExp; text: string }[];
    /** A check of its own (DNS names: labels and total length). */
    extra?: (name: string) => string[];
    source: string;
}

const letterStart = { pattern: /^[^A-Za-z]/, text: "must begin with a letter" };
const noDoubleHyphen = { pattern: /--/, text: "cannot contain two consecutive hyphens" };
const noTrailingHyphen = { pattern: /-$/, text: "cannot end with a hyphen" };
const noLeadingHyphen = { pattern: /^-/, text: "cannot begin with a hyphen" };
const alnumHyphen = { pattern: /^[0-9A-Za-z-]+$/, text: "letters, digits and hyphens only" };
const lowerAlnumHyphen = { pattern: /^[0-9a-z-]+$/, text: "lower-case letters, digits and hyphens only" };
const iamName = { pattern: /^[\w+=,.@-]+$/, text: "letters, digits and +=,.@_- only" };
const aws = { suffix: 7 };
const awsLower = { suffix: 7, lowerCase: true };
const kubernetes = { suffix: 8 };
const dnsLabel = { pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, text: "an RFC 1123 label: lower-case letters, digits and inner hyphens" };
const dnsLabelStartingWithLetter = {
    pattern: /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
    text: "an RFC 1035 label: a lower-case letter first, then lower-case letters, digits and inner hyphens",
};
const dnsSubdomain = {
    pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    text: "an RFC 1123 subdomain: dot-separated lower-case labels",
};
const kubernetesNames =
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/ (apimachinery's IsDNS1123Subdomain, IsDNS1123Label, IsDNS1035Label)";

/** A DNS name: labels of 1-63 characters, 253 in all (a trailing dot and a leading `*.` allowed). */
function dnsNameProblems(name: string): string[] {
    const bare = name.replace(/\.$/, "").replace(/^\*\./, "");
    return [
        ...(bare.length > 253 ? [`is ${bare.length} characters; a DNS name has at most 253`] : []),
        ...bare
            .split(".")
            .filter((label) => label.length === 0 || label.length > 63)
            .map((label) => `has a label of ${label.length} characters ("${label}"); DNS labels have 1 to 63`),
    ];
}

export const nameSpecs: NameSpec[] = [
    {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        property: "name",
        generated: aws,
        min: 1,
        max: 255,
        source: tfSource("internal/service/cloudwatch/metric_alarm.go (alarm_name: StringLenBetween(1, 255))"),
    },
    {
        type: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
        property: "alarmName",
        min: 1,
        max: 255,
        source: tfSource("internal/service/cloudwatch/composite_alarm.go (alarm_name: StringLenBetween(1, 255))"),
    },
    {
        type: "aws:cloudwatch/dashboard:Dashboard",
        property: "dashboardName",
        min: 1,
        max: 255,
        characters: { pattern: /^[A-Za-z0-9_-]+$/, text: "letters, digits, - and _ only" },
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html (DashboardName)",
    },
    {
        type: "aws:cloudwatch/logMetricFilter:LogMetricFilter",
        property: "name",
        generated: aws,
        min: 1,
        max: 512,
        forbidden: [{ pattern: /[:*]/, text: "cannot contain : or *" }],
        source: tfSource("internal/service/logs/validate.go (validLogMetricFilterName)"),
    },
    {
        type: "aws:sns/topic:Topic",
        property: "name",
        generated: aws,
        min: 1,
        max: 256,
        characters: { pattern: /^[A-Za-z0-9_-]+$/, text: "letters, digits, - and _ only (a FIFO topic adds .fifo)" },
        source: tfSource("internal/service/sns/topic.go (validTopicName)"),
    },
    {
        type: "aws:lb/loadBalancer:LoadBalancer",
        property: "name",
        generated: aws,
        max: 32,
        characters: alnumHyphen,
        forbidden: [noLeadingHyphen, noTrailingHyphen, { pattern: /^internal-/, text: 'cannot begin with "internal-"' }],
        source: tfSource("internal/service/elbv2/validate.go (validName)"),
    },
    {
        type: "aws:lb/targetGroup:TargetGroup",
        property: "name",
        generated: aws,
        max: 32,
        characters: alnumHyphen,
        forbidden: [noLeadingHyphen, noTrailingHyphen],
        source: tfSource("internal/service/elbv2/validate.go (validTargetGroupName)"),
    },
    {
        type: "aws:ec2/securityGroup:SecurityGroup",
        property: "name",
        generated: aws,
        max: 255,
        forbidden: [{ pattern: /^sg-/, text: 'cannot begin with "sg-"' }],
        source: tfSource("internal/service/ec2/vpc_security_group.go"),
    },
    {
        type: "aws:ec2/launchTemplate:LaunchTemplate",
        property: "name",
        generated: aws,
        min: 3,
        max: 125,
        characters: { pattern: /^[0-9A-Za-z()./_-]+$/, text: "letters, digits and ()./_- only" },
        source: tfSource("internal/verify/validate.go (ValidLaunchTemplateName)"),
    },
    {
        type: "aws:backup/vault:Vault",
        property: "name",
        generated: aws,
        min: 2,
        max: 50,
        characters: { pattern: /^[0-9A-Za-z_-]+$/, text: "letters, digits, hyphens and underscores only" },
        source: tfSource("internal/service/backup/vault.go (name)"),
    },
    {
        type: "aws:backup/plan:Plan",
        property: "name",
        generated: aws,
        max: 50,
        characters: { pattern: /^[0-9A-Za-z_.-]+$/, text: "letters, digits and -_. only" },
        source: "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupPlanInput.html (BackupPlanName: 1 to 50 alphanumeric or '-_.' characters)",
    },
    {
        type: "aws:backup/selection:Selection",
        property: "name",
        generated: aws,
        max: 50,
        characters: { pattern: /^[0-9A-Za-z_.-]+$/, text: "letters, digits and -_. only" },
        source: tfSource("internal/service/backup/selection.go (name)"),
    },
    {
        type: "aws:autoscaling/group:Group",
        property: "name",
        generated: aws,
        min: 1,
        max: 255,
        source: tfSource("internal/service/autoscaling/group.go"),
    },
    {
        type: "aws:autoscaling/policy:Policy",
        property: "name",
        generated: aws,
        min: 1,
        max: 255,
        source: "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutScalingPolicy.html (PolicyName)",
    },
    {
        type: "aws:autoscaling/schedule:Schedule",
        property: "scheduledActionName",
        min: 1,
        max: 255,
        source: "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutScheduledUpdateGroupAction.html (ScheduledActionName)",
    },
    {
        type: "aws:appautoscaling/policy:Policy",
        property: "name",
        generated: aws,
        min: 1,
        max: 255,
        source: tfSource("internal/service/appautoscaling/policy.go"),
    },
    {
        type: "aws:iam/role:Role",
        property: "name",
        generated: aws,
        min: 1,
        max: 64,
        characters: iamName,
        source: tfSource("internal/service/iam/role.go (roleNameMaxLen), internal/service/iam/validate.go (validResourceName)"),
    },
    {
        type: "aws:iam/instanceProfile:InstanceProfile",
        property: "name",
        generated: aws,
        min: 1,
        max: 128,
        characters: iamName,
        source: tfSource("internal/service/iam/instance_profile.go (instanceProfileNameMaxLen)"),
    },
    {
        type: "aws:iam/rolePolicy:RolePolicy",
        property: "name",
        generated: aws,
        min: 1,
        max: 128,
        characters: iamName,
        source: tfSource("internal/service/iam/role_policy.go (rolePolicyNameMaxLen)"),
    },
    {
        type: "aws:rds/subnetGroup:SubnetGroup",
        property: "name",
        generated: aws,
        max: 255,
        characters: { pattern: /^[0-9a-z_ .-]+$/, text: "lower-case letters, digits, spaces and _.- only" },
        forbidden: [{ pattern: /^default$/i, text: 'cannot be "default"' }],
        source: tfSource("internal/service/rds/validate.go (validSubnetGroupName)"),
    },
    {
        type: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        property: "name",
        generated: aws,
        max: 255,
        characters: { pattern: /^[0-9a-z.-]+$/, text: "lower-case letters, digits, periods and hyphens only" },
        forbidden: [letterStart, noDoubleHyphen, noTrailingHyphen],
        source: tfSource("internal/service/rds/validate.go (validParamGroupName)"),
    },
    {
        // Checked as if Pulumi named it from the resource name; left to the provider, it gets a valid tf- identifier.
        type: "aws:rds/cluster:Cluster",
        property: "clusterIdentifier",
        generated: awsLower,
        min: 1,
        max: 63,
        characters: lowerAlnumHyphen,
        forbidden: [letterStart, noDoubleHyphen, noTrailingHyphen],
        source: `${tfSource("internal/service/rds/validate.go (validIdentifier)")}; https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html (DBClusterIdentifier: 1 to 63)`,
    },
    {
        type: "aws:rds/cluster:Cluster",
        property: "finalSnapshotIdentifier",
        min: 1,
        max: 255,
        characters: alnumHyphen,
        forbidden: [letterStart, noDoubleHyphen, noTrailingHyphen],
        source: `${tfSource("internal/service/rds/cluster.go (final_snapshot_identifier)")}; https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html (FinalDBSnapshotIdentifier)`,
    },
    {
        type: "aws:rds/clusterInstance:ClusterInstance",
        property: "identifier",
        generated: awsLower,
        min: 1,
        max: 63,
        characters: lowerAlnumHyphen,
        forbidden: [letterStart, noDoubleHyphen, noTrailingHyphen],
        source: `${tfSource("internal/service/rds/validate.go (validIdentifier)")}; https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html (DBInstanceIdentifier: 1 to 63)`,
    },
    {
        type: "aws:rds/globalCluster:GlobalCluster",
        property: "globalClusterIdentifier",
        min: 1,
        max: 63,
        characters: lowerAlnumHyphen,
        forbidden: [letterStart, noDoubleHyphen, noTrailingHyphen],
        source: `${tfSource("internal/service/rds/global_cluster.go (validIdentifier)")}; https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateGlobalCluster.html`,
    },
    {
        type: "aws:elasticache/replicationGroup:ReplicationGroup",
        property: "replicationGroupId",
        generated: awsLower,
        min: 1,
        max: 40,
        characters: alnumHyphen,
        forbidden: [letterStart, noDoubleHyphen, noTrailingHyphen],
        source: tfSource("internal/service/elasticache/replication_group.go (validateReplicationGroupID)"),
    },
    {
        type: "aws:elasticache/replicationGroup:ReplicationGroup",
        property: "finalSnapshotIdentifier",
        min: 1,
        max: 255,
        characters: alnumHyphen,
        forbidden: [letterStart, noDoubleHyphen, noTrailingHyphen],
        source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteReplicationGroup.html (FinalSnapshotIdentifier); https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateSnapshot.html",
    },
    {
        type: "aws:elasticache/subnetGroup:SubnetGroup",
        property: "name",
        generated: awsLower,
        min: 1,
        max: 255,
        characters: alnumHyphen,
        source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheSubnetGroup.html (CacheSubnetGroupName: at most 255 letters, digits or hyphens)",
    },
    {
        type: "aws:elasticache/parameterGroup:ParameterGroup",
        property: "name",
        generated: awsLower,
        min: 1,
        max: 255,
        characters: alnumHyphen,
        forbidden: [letterStart, noDoubleHyphen, noTrailingHyphen],
        source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html (CacheParameterGroupName)",
    },
    {
        type: "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup",
        property: "globalReplicationGroupIdSuffix",
        min: 1,
        // ElastiCache prefixes the suffix with a Region code of its own (e.g. "ldgnf-"): the whole id is a replication group id (40 at most).
        max: 34,
        characters: alnumHyphen,
        forbidden: [noDoubleHyphen, noTrailingHyphen],
        source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateGlobalReplicationGroup.html (GlobalReplicationGroupIdSuffix)",
    },
    {
        type: "aws:ecr/repository:Repository",
        property: "name",
        generated: aws,
        min: 2,
        max: 256,
        characters: {
            pattern: /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
            text: "lower-case letters and digits, separated by single ., _ or - and by / between path parts",
        },
        source: `${tfSource("internal/service/ecr/repository.go")}; https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html (repositoryName)`,
    },
    {
        type: "aws:lambda/function:Function",
        property: "name",
        generated: aws,
        min: 1,
        max: 64,
        characters: { pattern: /^[0-9A-Za-z_-]+$/, text: "letters, digits, - and _ only" },
        source: `${tfSource("internal/service/lambda/validate.go (validFunctionName)")}; https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (FunctionName)`,
    },
    {
        type: "aws:secretsmanager/secret:Secret",
        property: "name",
        generated: aws,
        min: 1,
        max: 512,
        characters: { pattern: /^[0-9A-Za-z/_+=.@-]+$/, text: "letters, digits and /_+=.@- only" },
        source: tfSource("internal/service/secretsmanager/validate.go (validSecretName)"),
    },
    {
        type: "aws:cloudwatch/logGroup:LogGroup",
        property: "name",
        generated: aws,
        min: 1,
        max: 512,
        characters: { pattern: /^[0-9A-Za-z_./#-]+$/, text: "letters, digits and _./#- only" },
        source: tfSource("internal/service/logs/validate.go (validLogGroupName)"),
    },
    {
        type: "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
        property: "policyName",
        min: 1,
        max: 255,
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html (policyName)",
    },
    {
        type: "aws:eks/cluster:Cluster",
        property: "name",
        generated: aws,
        min: 1,
        max: 100,
        characters: { pattern: /^[0-9A-Za-z][0-9A-Za-z_-]*$/, text: "a letter or digit first, then letters, digits, _ and - only" },
        source: tfSource("internal/service/eks/validate.go (validClusterName)"),
    },
    {
        type: "aws:eks/nodeGroup:NodeGroup",
        property: "nodeGroupName",
        generated: aws,
        min: 1,
        max: 63,
        characters: { pattern: /^[0-9A-Za-z][0-9A-Za-z_-]*$/, text: "a letter or digit first, then letters, digits, _ and - only" },
        source: `${tfSource("internal/service/eks/node_group.go (node_group_name)")}; https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html`,
    },
    {
        type: "aws:opensearch/domain:Domain",
        property: "domainName",
        generated: aws,
        min: 3,
        max: 28,
        characters: { pattern: /^[a-z][0-9a-z-]*$/, text: "a lower-case letter first, then lower-case letters, digits and hyphens" },
        source: tfSource("internal/service/opensearch/domain.go (domain_name)"),
    },
    {
        type: "aws:s3/bucket:Bucket",
        property: "bucket",
        generated: awsLower,
        min: 3,
        max: 63,
        characters: { pattern: /^[0-9a-z.-]+$/, text: "lower-case letters, digits, periods and hyphens only" },
        forbidden: [
            { pattern: /^[.-]|[.-]$/, text: "must begin and end with a letter or digit" },
            { pattern: /\.\./, text: "cannot contain two adjacent periods" },
            { pattern: /^(\d{1,3}\.){3}\d{1,3}$/, text: "cannot look like an IP address" },
            { pattern: /^xn--|^sthree-|-s3alias$|--ol-s3$/, text: "cannot use a prefix or suffix S3 reserves" },
        ],
        source: `${tfSource("internal/service/s3/bucket.go (validBucketName)")}; https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html`,
    },
    {
        type: "aws:ssm/parameter:Parameter",
        property: "name",
        generated: aws,
        min: 1,
        max: 2048,
        characters: { pattern: /^[0-9A-Za-z_./-]+$/, text: "letters, digits and _.-/ only" },
        forbidden: [{ pattern: /^\/?(aws|ssm)/i, text: 'cannot begin with "aws" or "ssm"' }],
        extra: (name) => (name.split("/").filter(Boolean).length > 15 ? [`has ${name.split("/").filter(Boolean).length} levels; at most 15`] : []),
        source: `${tfSource("internal/service/ssm/parameter.go")}; https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html (Name)`,
    },
    {
        type: "aws:route53/record:Record",
        property: "name",
        min: 1,
        max: 1024,
        extra: dnsNameProblems,
        source: `${tfSource("internal/service/route53/record.go")}; https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html`,
    },
    {
        type: "aws:route53/record:Record",
        property: "setIdentifier",
        min: 1,
        max: 128,
        source: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html (SetIdentifier)",
    },
    {
        type: "aws:acm/certificate:Certificate",
        property: "domainName",
        min: 1,
        max: 253,
        extra: dnsNameProblems,
        source: "https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html (DomainName)",
    },
    // Kubernetes objects: the provider names an unnamed object `<resource name>-` and 8 random characters.
    { type: "kubernetes:core/v1:Namespace", property: "metadata.name", generated: kubernetes, max: 63, characters: dnsLabel, source: kubernetesNames },
    {
        type: "kubernetes:core/v1:Service",
        property: "metadata.name",
        generated: kubernetes,
        max: 63,
        characters: dnsLabelStartingWithLetter,
        source: kubernetesNames,
    },
    ...[
        "kubernetes:apps/v1:Deployment",
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "kubernetes:core/v1:ConfigMap",
        "kubernetes:core/v1:Secret",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:policy/v1:PodDisruptionBudget",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        "kubernetes:rbac.authorization.k8s.io/v1:Role",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy",
        targetGroupBindingType,
    ].map((type): NameSpec => ({ type, property: "metadata.name", generated: kubernetes, max: 253, characters: dnsSubdomain, source: kubernetesNames })),
    {
        type: "kubernetes:helm.sh/v3:Release",
        property: "name",
        generated: kubernetes,
        max: 53,
        characters: dnsSubdomain,
        source: "https://github.com/helm/helm/blob/main/pkg/chartutil/validate_name.go (release names: 53 characters at most, an RFC 1123 subdomain)",
    },
];

/** Types that give the cloud no name of their own (identified by an id the cloud makes, or by what they attach): nothing to check but their tags. */
export const namelessTypes: Record<string, string> = {
    "aws:acm/certificateValidation:CertificateValidation": "waits for a certificate's validation; no API object of its own",
    "aws:appautoscaling/target:Target": "identified by its service namespace, resource id and dimension",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "attached to its vault",
    "aws:fis/experimentTemplate:ExperimentTemplate": "an id FIS makes",
    "aws:ebs/volume:Volume": "an id AWS makes (vol-...)",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "attached to its repository",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "attached to its repository",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "adopts the VPC's default group, named default by AWS",
    "aws:ec2/eip:Eip": "an allocation id AWS makes",
    "aws:ec2/flowLog:FlowLog": "an id AWS makes",
    "aws:ec2/instance:Instance": "an id AWS makes",
    "aws:ec2/internetGateway:InternetGateway": "an id AWS makes",
    "aws:ec2/natGateway:NatGateway": "an id AWS makes",
    "aws:ec2/route:Route": "identified by its table and destination",
    "aws:ec2/routeTable:RouteTable": "an id AWS makes",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "an id AWS makes",
    "aws:ec2/subnet:Subnet": "an id AWS makes",
    "aws:ec2/volumeAttachment:VolumeAttachment": "identified by its volume, instance and device",
    "aws:ec2/vpc:Vpc": "an id AWS makes",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "an id AWS makes; its service name comes from AWS's catalog",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "an id AWS makes",
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": "accepts a peering connection by its id",
    "aws:eks/accessEntry:AccessEntry": "identified by its cluster and principal",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": "identified by its cluster, principal and an AWS-managed policy",
    "aws:eks/addon:Addon": "an add-on name from EKS's catalog, not one the program makes",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": "an id EKS makes",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "identified by its role and policy",
    "aws:kms/key:Key": "an id AWS makes",
    "aws:lambda/invocation:Invocation": "one call of its function; no API object of its own",
    "aws:sns/topicPolicy:TopicPolicy": "attached to its topic",
    "aws:sns/topicSubscription:TopicSubscription": "an ARN SNS makes",
    "aws:lb/listener:Listener": "an ARN AWS makes",
    "aws:lb/listenerRule:ListenerRule": "an ARN AWS makes",
    "aws:opensearch/domainPolicy:DomainPolicy": "attached to its domain",
    "aws:route53/healthCheck:HealthCheck": "an id Route 53 makes",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "attached to its bucket",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "attached to its bucket",
    "aws:s3/bucketPolicy:BucketPolicy": "attached to its bucket",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "attached to its bucket",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "attached to its bucket",
    "aws:s3/bucketVersioning:BucketVersioning": "attached to its bucket",
    "aws:secretsmanager/secretVersion:SecretVersion": "a version id Secrets Manager makes",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "an id AWS makes (sgr-...)",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "an id AWS makes (sgr-...)",
};

/** Types the preflight leaves out on purpose: they are not cloud objects, so nothing refuses them at apply time. */
export const leftOutTypes: Record<string, string> = {
    "pulumi:providers:aws":
        "a provider configuration in the engine, not a cloud object (its default tags are checked on every AWS resource's behalf by the policy)",
    "pulumi:providers:kubernetes": "a provider configuration in the engine, not a cluster object",
    "random:index/randomPassword:RandomPassword": "made inside the engine; no cloud API",
    "docker:index/image:Image":
        "built and pushed by the Docker provider from the deploying machine: its name is the ECR repository's (checked there) and a content tag the program computes",
    "shop:*": "the project's components: logical groupings with no cloud object of their own",
};

/** The name the cloud gets for `spec` of `resource`: the given one, or Pulumi's generated one; undefined while unknown or left to the provider. */
export function cloudName(resource: PlanResource, spec: NameSpec): { name: string; generated: boolean } | undefined {
    const given = valuesAt(resource.inputs, spec.property)[0];
    if (given !== undefined) return isUnknown(given) || typeof given !== "string" ? undefined : { name: given, generated: false };
    if (!spec.generated) return undefined;
    // The suffix's characters are lower-case hexadecimal digits: any stand-in of the right length checks the same.
    const name = `${resource.name}-${"a".repeat(spec.generated.suffix)}`;
    return { name: spec.generated.lowerCase ? name.toLowerCase() : name, generated: true };
}

function nameProblems(resource: PlanResource, spec: NameSpec): string[] {
    const named = cloudName(resource, spec);
    if (!named) return [];
    const { name, generated } = named;
    const which = generated
        ? `${spec.property} "${name.slice(0, -spec.generated!.suffix)}${"x".repeat(spec.generated!.suffix)}" (made from the resource name with Pulumi's ${spec.generated!.suffix}-character suffix)`
        : `${spec.property} "${name}"`;
    return [
        ...(name.length > spec.max ? [`is ${name.length} characters; at most ${spec.max}`] : []),
        ...(name.length < (spec.min ?? 1) ? [`is ${name.length} characters; at least ${spec.min ?? 1}`] : []),
        ...(spec.characters && !spec.characters.pattern.test(name) ? [`must be ${spec.characters.text}`] : []),
        ...(spec.forbidden ?? []).filter((f) => f.pattern.test(name)).map((f) => f.text),
        ...(spec.extra?.(name) ?? []),
    ].map((problem) => `${which} ${problem}`);
}

/** A rule id's part for a type: `rds-cluster` for aws:rds/cluster:Cluster, `kubernetes-core-v1-Service` for a Kubernetes kind. */
const shortType = (type: string) => {
    const [provider, module, kind] = type.split(":");
    return provider === "aws" ? module.replace("/", "-") : `${provider}-${module.replace(/[/.]/g, "-")}-${kind}`;
};

export const nameRules: PreflightRule[] = nameSpecs.map((spec) => ({
    id: `name:${shortType(spec.type)}:${spec.property}`,
    types: [spec.type],
    prevents: `${spec.type.startsWith("kubernetes:") ? "Kubernetes" : "AWS or the provider"}: the ${spec.property} is refused (${spec.min ?? 1}-${spec.max} characters${spec.characters ? `, ${spec.characters.text}` : ""})`,
    source: spec.source,
    check: (r: PlanResource) => nameProblems(r, spec),
}));

/** Tags on every AWS resource, and in launch templates' tag specifications: the limits all AWS services share. */
export const tagRule: PreflightRule = {
    id: "tags",
    types: ["aws:*"],
    prevents:
        "AWS: InvalidParameterValue / ValidationException for a tag key over 128 characters, a value over 256, a key beginning with aws:, or more than 50 tags",
    source: "https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html (tag naming limits and requirements)",
    check: (r) => {
        const tagMaps = [...valuesAt(r.inputs, "tags"), ...valuesAt(r.inputs, "tagSpecifications.tags")].filter(
            (t): t is Record<string, unknown> => typeof t === "object" && t !== null && !Array.isArray(t),
        );
        return tagMaps.flatMap((tags) => [
            ...(Object.keys(tags).length > 50 ? [`${Object.keys(tags).length} tags; at most 50`] : []),
            ...Object.entries(tags).flatMap(([key, value]) => [
                ...(key.length < 1 || key.length > 128 ? [`tag key "${key}" is ${key.length} characters; 1 to 128`] : []),
                ...(/^aws:/i.test(key) ? [`tag key "${key}" begins with aws:, which AWS reserves`] : []),
                ...(typeof value === "string" && !isUnknown(value) && value.length > 256
                    ? [`tag ${key}'s value is ${value.length} characters; at most 256`]
                    : []),
            ]),
        ]);
    },
};

// ---------------------------------------------------------------------------------------------
// Arguments the provider declares conflicting or required together
// ---------------------------------------------------------------------------------------------

/**
 * One schema constraint, in the SDK's (camelCase) argument names. `within` names the block
 * (an object, or each element of a list) the arguments live in. An argument counts as set
 * with any configured value, `false` included: that is how the provider's checks count it
 * (terraform-provider-aws#32002).
 */
export type ArgumentConstraint =
    | { kind: "conflicts"; argument: string; with: string[]; within?: string; note?: string }
    | { kind: "requiredWith"; argument: string; with: string[]; within?: string }
    | { kind: "exactlyOne" | "atLeastOne"; arguments: string[]; within?: string };

export interface ArgumentSpec {
    type: string;
    /** The schema file read; an empty list of constraints means it declares none the program could meet. */
    source: string;
    constraints: ArgumentConstraint[];
}

const conflicts = (argument: string, ...others: string[]): ArgumentConstraint => ({ kind: "conflicts", argument, with: others });
const requiredWith = (argument: string, ...others: string[]): ArgumentConstraint => ({ kind: "requiredWith", argument, with: others });
const exactlyOne = (...args: string[]): ArgumentConstraint => ({ kind: "exactlyOne", arguments: args });
const atLeastOne = (...args: string[]): ArgumentConstraint => ({ kind: "atLeastOne", arguments: args });
const inBlock = (within: string, constraint: ArgumentConstraint): ArgumentConstraint => ({ ...constraint, within });
const namePair = [conflicts("name", "namePrefix")];

export const argumentSpecs: ArgumentSpec[] = [
    {
        type: "aws:acm/certificate:Certificate",
        source: tfSource("internal/service/acm/certificate.go"),
        constraints: [
            conflicts("certificateAuthorityArn", "certificateBody", "privateKey", "privateKeyWo", "validationMethod"),
            conflicts("certificateBody", "certificateAuthorityArn", "domainName", "validationMethod"),
            conflicts("certificateChain", "certificateAuthorityArn", "domainName", "validationMethod"),
            conflicts("domainName", "certificateBody", "certificateChain", "privateKey"),
            exactlyOne("domainName", "privateKey", "privateKeyWo"),
            conflicts("subjectAlternativeNames", "certificateBody", "certificateChain", "privateKey"),
            conflicts("validationMethod", "certificateAuthorityArn", "certificateBody", "certificateChain", "privateKey"),
            conflicts("keyAlgorithm", "certificateBody", "certificateChain", "privateKey"),
            conflicts("earlyRenewalDuration", "certificateBody", "certificateChain", "privateKey", "validationMethod"),
            requiredWith("privateKeyWo", "privateKeyWoVersion"),
        ],
    },
    { type: "aws:acm/certificateValidation:CertificateValidation", source: tfSource("internal/service/acm/certificate_validation.go"), constraints: [] },
    {
        type: "aws:appautoscaling/policy:Policy",
        source: tfSource("internal/service/appautoscaling/policy.go"),
        constraints: [
            inBlock("targetTrackingScalingPolicyConfiguration", conflicts("predefinedMetricSpecification", "customizedMetricSpecification")),
            inBlock(
                "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification",
                conflicts("metrics", "dimensions", "metricName", "namespace", "statistic", "unit"),
            ),
        ],
    },
    { type: "aws:appautoscaling/target:Target", source: tfSource("internal/service/appautoscaling/target.go"), constraints: [] },
    {
        type: "aws:autoscaling/group:Group",
        source: tfSource("internal/service/autoscaling/group.go"),
        constraints: [
            ...namePair,
            conflicts("availabilityZones", "vpcZoneIdentifiers"),
            exactlyOne("launchConfiguration", "launchTemplate", "mixedInstancesPolicy"),
            inBlock("launchTemplate", conflicts("id", "name")),
            conflicts("loadBalancers", "trafficSources"),
            conflicts("targetGroupArns", "trafficSources"),
        ],
    },
    {
        type: "aws:autoscaling/policy:Policy",
        source: tfSource("internal/service/autoscaling/policy.go"),
        constraints: [
            conflicts("scalingAdjustment", "stepAdjustments"),
            inBlock("targetTrackingConfiguration", conflicts("predefinedMetricSpecification", "customizedMetricSpecification")),
            inBlock(
                "targetTrackingConfiguration.customizedMetricSpecification",
                conflicts("metrics", "metricDimensions", "metricName", "namespace", "statistic", "unit"),
            ),
        ],
    },
    { type: "aws:autoscaling/schedule:Schedule", source: tfSource("internal/service/autoscaling/schedule.go"), constraints: [] },
    { type: "aws:backup/plan:Plan", source: tfSource("internal/service/backup/plan.go"), constraints: [] },
    { type: "aws:fis/experimentTemplate:ExperimentTemplate", source: tfSource("internal/service/fis/experiment_template.go"), constraints: [] },
    { type: "aws:backup/selection:Selection", source: tfSource("internal/service/backup/selection.go"), constraints: [] },
    { type: "aws:backup/vault:Vault", source: tfSource("internal/service/backup/vault.go"), constraints: [] },
    {
        type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
        source: tfSource("internal/service/backup/vault_lock_configuration.go"),
        constraints: [],
    },
    { type: "aws:cloudwatch/logGroup:LogGroup", source: tfSource("internal/service/logs/group.go"), constraints: namePair },
    {
        type: "aws:cloudwatch/metricAlarm:MetricAlarm",
        source: tfSource("internal/service/cloudwatch/metric_alarm.go"),
        constraints: [
            conflicts("metricQueries", "metricName", "namespace", "period", "statistic", "extendedStatistic", "dimensions"),
            conflicts("statistic", "extendedStatistic"),
            conflicts("threshold", "thresholdMetricId"),
        ],
    },
    { type: "aws:cloudwatch/compositeAlarm:CompositeAlarm", source: tfSource("internal/service/cloudwatch/composite_alarm.go"), constraints: [] },
    { type: "aws:cloudwatch/dashboard:Dashboard", source: tfSource("internal/service/cloudwatch/dashboard.go"), constraints: [] },
    { type: "aws:cloudwatch/logMetricFilter:LogMetricFilter", source: tfSource("internal/service/logs/metric_filter.go"), constraints: [] },
    { type: "aws:sns/topic:Topic", source: tfSource("internal/service/sns/topic.go"), constraints: namePair },
    { type: "aws:sns/topicPolicy:TopicPolicy", source: tfSource("internal/service/sns/topic_policy.go"), constraints: [] },
    { type: "aws:sns/topicSubscription:TopicSubscription", source: tfSource("internal/service/sns/topic_subscription.go"), constraints: [] },
    {
        type: "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
        source: tfSource("internal/service/logs/resource_policy.go"),
        constraints: [exactlyOne("policyName", "resourceArn")],
    },
    { type: "aws:ebs/volume:Volume", source: tfSource("internal/service/ec2/ebs_volume.go"), constraints: [atLeastOne("size", "snapshotId")] },
    { type: "aws:ecr/lifecyclePolicy:LifecyclePolicy", source: tfSource("internal/service/ecr/lifecycle_policy.go"), constraints: [] },
    { type: "aws:ecr/repository:Repository", source: tfSource("internal/service/ecr/repository.go"), constraints: [] },
    { type: "aws:ecr/repositoryPolicy:RepositoryPolicy", source: tfSource("internal/service/ecr/repository_policy.go"), constraints: [] },
    { type: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", source: tfSource("internal/service/ec2/vpc_default_security_group.go"), constraints: [] },
    { type: "aws:ec2/eip:Eip", source: tfSource("internal/service/ec2/ec2_eip.go"), constraints: [] },
    {
        type: "aws:ec2/flowLog:FlowLog",
        source: tfSource("internal/service/ec2/vpc_flow_log.go"),
        constraints: [exactlyOne("eniId", "regionalNatGatewayId", "subnetId", "vpcId", "transitGatewayId", "transitGatewayAttachmentId")],
    },
    {
        type: "aws:ec2/instance:Instance",
        source: tfSource("internal/service/ec2/ec2_instance.go"),
        constraints: [
            atLeastOne("ami", "launchTemplate"),
            atLeastOne("instanceType", "launchTemplate"),
            conflicts("ipv6AddressCount", "ipv6Addresses"),
            conflicts("placementGroup", "hostResourceGroupArn", "placementGroupId"),
            conflicts("userData", "userDataBase64"),
            conflicts(
                "networkInterfaces",
                "associatePublicIpAddress",
                "enablePrimaryIpv6",
                "ipv6Addresses",
                "ipv6AddressCount",
                "primaryNetworkInterface",
                "privateIp",
                "secondaryPrivateIps",
                "securityGroups",
                "sourceDestCheck",
                "subnetId",
                "vpcSecurityGroupIds",
            ),
            inBlock("launchTemplate", exactlyOne("id", "name")),
        ],
    },
    { type: "aws:ec2/internetGateway:InternetGateway", source: tfSource("internal/service/ec2/vpc_internet_gateway.go"), constraints: [] },
    {
        type: "aws:ec2/launchTemplate:LaunchTemplate",
        source: tfSource("internal/service/ec2/ec2_launch_template.go"),
        constraints: [
            ...namePair,
            conflicts("defaultVersion", "updateDefaultVersion"),
            conflicts("instanceType", "instanceRequirements"),
            conflicts("securityGroupNames", "vpcSecurityGroupIds"),
            inBlock("iamInstanceProfile", conflicts("arn", "name")),
            inBlock("placement", conflicts("groupId", "groupName")),
            inBlock("placement", conflicts("hostResourceGroupArn", "hostId")),
        ],
    },
    {
        type: "aws:ec2/natGateway:NatGateway",
        source: tfSource("internal/service/ec2/vpc_nat_gateway.go"),
        constraints: [conflicts("secondaryPrivateIpAddressCount", "secondaryPrivateIpAddresses")],
    },
    {
        type: "aws:ec2/route:Route",
        source: tfSource("internal/service/ec2/vpc_route.go (routeValidDestinations, routeValidTargets)"),
        constraints: [
            exactlyOne("destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"),
            exactlyOne(
                "carrierGatewayId",
                "coreNetworkArn",
                "egressOnlyGatewayId",
                "gatewayId",
                "localGatewayId",
                "natGatewayId",
                "networkInterfaceId",
                "odbNetworkArn",
                "transitGatewayId",
                "vpcEndpointId",
                "vpcPeeringConnectionId",
            ),
            conflicts("carrierGatewayId", "destinationIpv6CidrBlock"),
            conflicts("egressOnlyGatewayId", "destinationCidrBlock"),
            conflicts("vpcEndpointId", "destinationPrefixListId"),
        ],
    },
    { type: "aws:ec2/routeTable:RouteTable", source: tfSource("internal/service/ec2/vpc_route_table.go"), constraints: [] },
    {
        type: "aws:ec2/routeTableAssociation:RouteTableAssociation",
        source: tfSource("internal/service/ec2/vpc_route_table_association.go"),
        constraints: [exactlyOne("subnetId", "gatewayId")],
    },
    { type: "aws:ec2/securityGroup:SecurityGroup", source: tfSource("internal/service/ec2/vpc_security_group.go"), constraints: namePair },
    {
        type: "aws:ec2/subnet:Subnet",
        source: tfSource("internal/service/ec2/vpc_subnet.go"),
        constraints: [
            conflicts("availabilityZone", "availabilityZoneId"),
            requiredWith("customerOwnedIpv4Pool", "mapCustomerOwnedIpOnLaunch", "outpostArn"),
            requiredWith("mapCustomerOwnedIpOnLaunch", "customerOwnedIpv4Pool", "outpostArn"),
            conflicts("ipv4IpamPoolId", "customerOwnedIpv4Pool"),
            conflicts("ipv4NetmaskLength", "cidrBlock", "customerOwnedIpv4Pool"),
            requiredWith("ipv4NetmaskLength", "ipv4IpamPoolId"),
            conflicts("ipv6NetmaskLength", "ipv6CidrBlock"),
            requiredWith("ipv6NetmaskLength", "ipv6IpamPoolId"),
        ],
    },
    { type: "aws:ec2/volumeAttachment:VolumeAttachment", source: tfSource("internal/service/ec2/ebs_volume_attachment.go"), constraints: [] },
    {
        type: "aws:ec2/vpc:Vpc",
        source: tfSource("internal/service/ec2/vpc_.go"),
        constraints: [
            conflicts("assignGeneratedIpv6CidrBlock", "ipv6IpamPoolId"),
            conflicts("cidrBlock", "ipv4NetmaskLength"),
            requiredWith("ipv4NetmaskLength", "ipv4IpamPoolId"),
            conflicts("ipv6CidrBlock", "ipv6NetmaskLength", "assignGeneratedIpv6CidrBlock"),
            requiredWith("ipv6CidrBlock", "ipv6IpamPoolId"),
            requiredWith("ipv6CidrBlockNetworkBorderGroup", "assignGeneratedIpv6CidrBlock"),
            requiredWith("ipv6NetmaskLength", "ipv6IpamPoolId"),
        ],
    },
    {
        type: "aws:ec2/vpcEndpoint:VpcEndpoint",
        source: tfSource("internal/service/ec2/vpc_endpoint.go"),
        constraints: [conflicts("serviceName", "resourceConfigurationArn", "serviceNetworkArn"), conflicts("resourceConfigurationArn", "serviceNetworkArn")],
    },
    { type: "aws:ec2/vpcPeeringConnection:VpcPeeringConnection", source: tfSource("internal/service/ec2/vpc_peering_connection.go"), constraints: [] },
    {
        type: "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
        source: tfSource("internal/service/ec2/vpc_peering_connection_accepter.go"),
        constraints: [],
    },
    { type: "aws:eks/accessEntry:AccessEntry", source: tfSource("internal/service/eks/access_entry.go"), constraints: [] },
    { type: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", source: tfSource("internal/service/eks/access_policy_association.go"), constraints: [] },
    { type: "aws:eks/addon:Addon", source: tfSource("internal/service/eks/addon.go"), constraints: [] },
    {
        type: "aws:eks/cluster:Cluster",
        source: tfSource("internal/service/eks/cluster.go"),
        constraints: [conflicts("outpostConfig", "encryptionConfig", "kubernetesNetworkConfig")],
    },
    {
        type: "aws:eks/nodeGroup:NodeGroup",
        source: tfSource("internal/service/eks/node_group.go"),
        constraints: [
            conflicts("nodeGroupName", "nodeGroupNamePrefix"),
            inBlock("launchTemplate", conflicts("id", "name")),
            inBlock("updateConfig", exactlyOne("maxUnavailable", "maxUnavailablePercentage")),
        ],
    },
    { type: "aws:eks/podIdentityAssociation:PodIdentityAssociation", source: tfSource("internal/service/eks/pod_identity_association.go"), constraints: [] },
    {
        type: "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup",
        source: tfSource("internal/service/elasticache/global_replication_group.go"),
        constraints: [],
    },
    { type: "aws:elasticache/parameterGroup:ParameterGroup", source: tfSource("internal/service/elasticache/parameter_group.go"), constraints: [] },
    {
        type: "aws:elasticache/replicationGroup:ReplicationGroup",
        source: tfSource("internal/service/elasticache/replication_group.go"),
        constraints: [
            conflicts("authToken", "userGroupIds"),
            // A member of a global datastore takes these from the primary.
            conflicts(
                "globalReplicationGroupId",
                "numNodeGroups",
                "parameterGroupName",
                "engine",
                "engineVersion",
                "nodeType",
                "securityGroupNames",
                "transitEncryptionEnabled",
                "transitEncryptionMode",
                "atRestEncryptionEnabled",
                "snapshotArns",
                "snapshotName",
            ),
            conflicts("numCacheClusters", "numNodeGroups", "replicasPerNodeGroup"),
        ],
    },
    { type: "aws:elasticache/subnetGroup:SubnetGroup", source: tfSource("internal/service/elasticache/subnet_group.go"), constraints: [] },
    { type: "aws:iam/instanceProfile:InstanceProfile", source: tfSource("internal/service/iam/instance_profile.go"), constraints: namePair },
    { type: "aws:iam/role:Role", source: tfSource("internal/service/iam/role.go"), constraints: namePair },
    { type: "aws:iam/rolePolicy:RolePolicy", source: tfSource("internal/service/iam/role_policy.go"), constraints: namePair },
    { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", source: tfSource("internal/service/iam/role_policy_attachment.go"), constraints: [] },
    {
        type: "aws:kms/key:Key",
        source: tfSource("internal/service/kms/key.go"),
        constraints: [requiredWith("rotationPeriodInDays", "enableKeyRotation"), requiredWith("xksKeyId", "customKeyStoreId")],
    },
    { type: "aws:lb/listener:Listener", source: tfSource("internal/service/elbv2/listener.go"), constraints: [] },
    { type: "aws:lb/listenerRule:ListenerRule", source: tfSource("internal/service/elbv2/listener_rule.go"), constraints: [] },
    {
        type: "aws:lb/loadBalancer:LoadBalancer",
        source: tfSource("internal/service/elbv2/load_balancer.go"),
        constraints: [...namePair, exactlyOne("subnetMappings", "subnets")],
    },
    { type: "aws:lb/targetGroup:TargetGroup", source: tfSource("internal/service/elbv2/target_group.go"), constraints: namePair },
    { type: "aws:opensearch/domain:Domain", source: tfSource("internal/service/opensearch/domain.go"), constraints: [] },
    { type: "aws:opensearch/domainPolicy:DomainPolicy", source: tfSource("internal/service/opensearch/domain_policy.go"), constraints: [] },
    {
        type: "aws:rds/cluster:Cluster",
        source: `${tfSource("internal/service/rds/cluster.go")}; https://github.com/hashicorp/terraform-provider-aws/issues/32002`,
        constraints: [
            conflicts("clusterIdentifier", "clusterIdentifierPrefix"),
            {
                kind: "conflicts",
                argument: "manageMasterUserPassword",
                with: ["masterPassword", "masterPasswordWo"],
                note: "terraform-provider-aws#32002: any configured value counts, false included; leave manageMasterUserPassword unset beside a password of ours",
            },
            conflicts("masterPassword", "masterPasswordWo"),
            requiredWith("masterPasswordWo", "masterPasswordWoVersion"),
            requiredWith("masterPasswordWoVersion", "masterPasswordWo"),
            conflicts("snapshotIdentifier", "globalClusterIdentifier"),
        ],
    },
    {
        type: "aws:rds/clusterInstance:ClusterInstance",
        source: tfSource("internal/service/rds/cluster_instance.go"),
        constraints: [conflicts("identifier", "identifierPrefix")],
    },
    { type: "aws:rds/clusterParameterGroup:ClusterParameterGroup", source: tfSource("internal/service/rds/cluster_parameter_group.go"), constraints: namePair },
    {
        type: "aws:rds/globalCluster:GlobalCluster",
        source: tfSource("internal/service/rds/global_cluster.go"),
        constraints: [requiredWith("sourceDbClusterIdentifier", "forceDestroy")],
    },
    { type: "aws:rds/subnetGroup:SubnetGroup", source: tfSource("internal/service/rds/subnet_group.go"), constraints: namePair },
    { type: "aws:route53/healthCheck:HealthCheck", source: tfSource("internal/service/route53/health_check.go"), constraints: [] },
    {
        type: "aws:route53/record:Record",
        source: tfSource("internal/service/route53/record.go"),
        constraints: [
            exactlyOne("aliases", "records"),
            conflicts("ttl", "aliases"),
            requiredWith("ttl", "records"),
            requiredWith("weightedRoutingPolicies", "setIdentifier"),
            conflicts(
                "weightedRoutingPolicies",
                "cidrRoutingPolicy",
                "failoverRoutingPolicies",
                "geolocationRoutingPolicies",
                "geoproximityRoutingPolicy",
                "latencyRoutingPolicies",
                "multivalueAnswerRoutingPolicy",
            ),
            requiredWith("failoverRoutingPolicies", "setIdentifier"),
            requiredWith("latencyRoutingPolicies", "setIdentifier"),
            requiredWith("geolocationRoutingPolicies", "setIdentifier"),
            requiredWith("multivalueAnswerRoutingPolicy", "setIdentifier"),
        ],
    },
    {
        type: "aws:s3/bucket:Bucket",
        source: tfSource("internal/service/s3/bucket.go"),
        constraints: [conflicts("bucket", "bucketPrefix"), conflicts("acl", "grants"), conflicts("objectLockEnabled", "objectLockConfiguration")],
    },
    {
        type: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        source: tfSource("internal/service/s3/bucket_lifecycle_configuration.go"),
        constraints: [],
    },
    { type: "aws:s3/bucketOwnershipControls:BucketOwnershipControls", source: tfSource("internal/service/s3/bucket_ownership_controls.go"), constraints: [] },
    { type: "aws:s3/bucketPolicy:BucketPolicy", source: tfSource("internal/service/s3/bucket_policy.go"), constraints: [] },
    { type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", source: tfSource("internal/service/s3/bucket_public_access_block.go"), constraints: [] },
    {
        type: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        source: tfSource("internal/service/s3/bucket_server_side_encryption_configuration.go"),
        constraints: [],
    },
    { type: "aws:s3/bucketVersioning:BucketVersioning", source: tfSource("internal/service/s3/bucket_versioning.go"), constraints: [] },
    {
        type: "aws:lambda/function:Function",
        source: tfSource("internal/service/lambda/function.go"),
        constraints: [conflicts("imageUri", "code", "s3Bucket", "s3Key", "s3ObjectVersion"), conflicts("code", "s3Bucket", "s3Key", "s3ObjectVersion")],
    },
    { type: "aws:lambda/invocation:Invocation", source: tfSource("internal/service/lambda/invocation.go"), constraints: [] },
    { type: "aws:secretsmanager/secret:Secret", source: tfSource("internal/service/secretsmanager/secret.go"), constraints: namePair },
    {
        type: "aws:secretsmanager/secretVersion:SecretVersion",
        source: tfSource("internal/service/secretsmanager/secret_version.go"),
        constraints: [
            conflicts("secretBinary", "secretString", "secretStringWo"),
            conflicts("secretString", "secretStringWo"),
            requiredWith("secretStringWo", "secretStringWoVersion"),
            requiredWith("secretStringWoVersion", "secretStringWo"),
        ],
    },
    {
        type: "aws:ssm/parameter:Parameter",
        source: tfSource("internal/service/ssm/parameter.go"),
        constraints: [exactlyOne("valueWo", "insecureValue", "value"), requiredWith("valueWo", "valueWoVersion"), requiredWith("valueWoVersion", "valueWo")],
    },
    {
        type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        source: tfSource("internal/service/ec2/vpc_security_group_ingress_rule.go (the egress rule shares its schema and validators)"),
        constraints: [exactlyOne("cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId")],
    },
    {
        type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        source: tfSource("internal/service/ec2/vpc_security_group_ingress_rule.go"),
        constraints: [exactlyOne("cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId")],
    },
];

/** The blocks a constraint applies in: the resource's inputs, or each element/object at `within`. */
const blocksOf = (inputs: Record<string, unknown>, within?: string) =>
    (within ? itemsAt(inputs, within) : [inputs]).filter((b): b is Record<string, unknown> => typeof b === "object" && b !== null);

export function constraintProblems(inputs: Record<string, unknown>, c: ArgumentConstraint): string[] {
    const at = (arg: string) => (c.within ? `${c.within}.${arg}` : arg);
    return blocksOf(inputs, c.within).flatMap((block) => {
        const set = (arg: string) => isSet(block[arg]);
        switch (c.kind) {
            case "conflicts":
                return set(c.argument)
                    ? c.with.filter(set).map((other) => `"${at(c.argument)}": conflicts with ${at(other)}${c.note ? ` (${c.note})` : ""}`)
                    : [];
            case "requiredWith": {
                const missing = c.with.filter((other) => !set(other));
                return set(c.argument) && missing.length > 0
                    ? [`"${at(c.argument)}": all of \`${[c.argument, ...c.with].map(at).join(",")}\` must be specified`]
                    : [];
            }
            case "exactlyOne": {
                const given = c.arguments.filter(set);
                if (given.length === 1) return [];
                return given.length === 0
                    ? [`"${at(c.arguments[0])}": one of \`${c.arguments.map(at).join(",")}\` must be specified`]
                    : [
                          `"${at(given[0])}": only one of \`${c.arguments.map(at).join(",")}\` can be specified, but \`${given.map(at).join(",")}\` were specified`,
                      ];
            }
            case "atLeastOne":
                return c.arguments.some(set) ? [] : [`"${at(c.arguments[0])}": one of \`${c.arguments.map(at).join(",")}\` must be specified`];
        }
    });
}

export const argumentRules: PreflightRule[] = argumentSpecs
    .filter((spec) => spec.constraints.length > 0)
    .map((spec) => ({
        id: `arguments:${shortType(spec.type)}`,
        types: [spec.type],
        prevents: "the provider's plan check (ConflictsWith, RequiredWith, ExactlyOneOf, AtLeastOneOf), which the mock runtime never runs",
        source: spec.source,
        check: (r: PlanResource) => spec.constraints.flatMap((c) => constraintProblems(r.inputs, c)),
    }));

/** Every rule the preflight runs. */
export const preflightRules: PreflightRule[] = [...preconditionRules, ...alarmRules, ...nameRules, tagRule, ...argumentRules];
