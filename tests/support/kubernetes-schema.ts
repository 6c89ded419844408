/**
 * Validates the Kubernetes objects a program registers against the Kubernetes API's OpenAPI
 * schema, through kubernetes-models (Kubernetes 1.33's schema: the cluster runs 1.34, whose
 * API accepts every object that 1.33's does, so this check is the stricter one).
 */
import { PlannedResource } from "../../tools/mock-runtime";

interface Model {
    validate(): void;
}

/** The objects of a run that are Kubernetes API objects (not the provider, not Helm releases). */
export function kubernetesObjects(resources: PlannedResource[]): PlannedResource[] {
    return resources.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/"));
}

/**
 * The AWS Load Balancer Controller's TargetGroupBinding (elbv2.k8s.aws/v1beta1), which
 * kubernetes-models does not carry: its CRD's required fields and enumerations.
 */
function targetGroupBindingProblems(resource: PlannedResource): string[] {
    const spec = (resource.inputs as { spec?: { serviceRef?: { name?: unknown; port?: unknown }; targetGroupARN?: unknown; targetType?: unknown } }).spec;
    const problems: string[] = [];
    if (typeof spec?.serviceRef?.name !== "string") problems.push("spec.serviceRef.name is required");
    if (typeof spec?.serviceRef?.port !== "number" && typeof spec?.serviceRef?.port !== "string") problems.push("spec.serviceRef.port is required");
    if (typeof spec?.targetGroupARN !== "string") problems.push("spec.targetGroupARN is required");
    if (spec?.targetType !== undefined && !["ip", "instance"].includes(spec.targetType as string)) problems.push("spec.targetType must be ip or instance");
    return problems.map((p) => `TargetGroupBinding ${resource.name}: ${p}`);
}

/**
 * The VPC resource controller's SecurityGroupPolicy (vpcresources.k8s.aws/v1beta1), which
 * kubernetes-models does not carry: one selector (pods or service accounts) and at most five groups.
 */
function securityGroupPolicyProblems(resource: PlannedResource): string[] {
    const spec = (resource.inputs as { spec?: { podSelector?: unknown; serviceAccountSelector?: unknown; securityGroups?: { groupIds?: unknown } } }).spec;
    const groups = spec?.securityGroups?.groupIds;
    const problems: string[] = [];
    if ((spec?.podSelector === undefined) === (spec?.serviceAccountSelector === undefined))
        problems.push("exactly one of spec.podSelector and spec.serviceAccountSelector");
    if (!Array.isArray(groups) || groups.length < 1 || groups.length > 5) problems.push("spec.securityGroups.groupIds must list 1-5 groups");
    return problems.map((p) => `SecurityGroupPolicy ${resource.name}: ${p}`);
}

/** Every schema violation of one registered object, empty when it is valid. */
export function schemaProblems(resource: PlannedResource): string[] {
    if (resource.type === "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding") return targetGroupBindingProblems(resource);
    if (resource.type === "kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy") return securityGroupPolicyProblems(resource);
    const [, groupVersion, kind] = resource.type.match(/^kubernetes:([^:]+):(\w+)$/) ?? [];
    if (!groupVersion) return [`${resource.type} is not a Kubernetes object type`];
    const modulePath = `kubernetes-models/${groupVersion.startsWith("core/") ? groupVersion.slice("core/".length) : groupVersion}`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const models = require(modulePath) as Record<string, new (data: unknown) => Model>;
    const ModelClass = models[kind];
    if (!ModelClass) return [`kubernetes-models has no ${kind} in ${modulePath}`];
    try {
        new ModelClass(resource.inputs).validate();
        return [];
    } catch (err) {
        return [`${kind} ${resource.name}: ${(err as Error).message}`];
    }
}
