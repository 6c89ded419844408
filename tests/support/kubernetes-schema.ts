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

/** Every schema violation of one registered object, empty when it is valid. */
export function schemaProblems(resource: PlannedResource): string[] {
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
