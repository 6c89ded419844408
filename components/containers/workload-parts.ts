import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { intRange, isIntIn, Problems } from "../validation";

/**
 * What the shop's Kubernetes workloads share: the restricted Pod Security profile, spread
 * over zones, a disruption budget and a CPU autoscaler.
 */

export interface Replicas {
    /** Pods at least (1-100): two or more keep the service up through a node's loss. */
    min: number;
    /** Pods at most (min-500). */
    max: number;
}

export interface ComputeResources {
    /** CPU requested, such as "250m". */
    cpu: string;
    /** Memory requested and allowed, such as "512Mi": a pod past it is restarted, not the node starved. */
    memory: string;
}

/** The pod-level half of the `restricted` Pod Security Standard. */
export function restrictedPodSecurity(userId: number): k8s.types.input.core.v1.PodSecurityContext {
    return { runAsNonRoot: true, runAsUser: userId, runAsGroup: userId, fsGroup: userId, seccompProfile: { type: "RuntimeDefault" } };
}

/** The container-level half: no privilege escalation, no capabilities, a read-only root filesystem. */
export const restrictedContainerSecurity: k8s.types.input.core.v1.SecurityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
};

/**
 * A Deployment of restricted pods spread over zones, rolled one surge at a time without
 * taking a pod away first. The autoscaler owns the count once the Deployment exists.
 */
export function restrictedDeployment(
    name: string,
    args: {
        namespace: pulumi.Input<string>;
        labels: Record<string, string>;
        replicas: Replicas;
        userId: number;
        pod: Omit<k8s.types.input.core.v1.PodSpec, "securityContext" | "topologySpreadConstraints">;
        /** Annotations of the pods (Prometheus's scrape annotations). @default none */
        podAnnotations?: Record<string, string>;
    },
    opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.Deployment {
    return new k8s.apps.v1.Deployment(
        name,
        {
            metadata: { namespace: args.namespace, labels: args.labels },
            spec: {
                replicas: args.replicas.min,
                selector: { matchLabels: args.labels },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
                template: {
                    metadata: { labels: args.labels, ...(args.podAnnotations && { annotations: args.podAnnotations }) },
                    spec: {
                        terminationGracePeriodSeconds: 30,
                        ...args.pod,
                        securityContext: restrictedPodSecurity(args.userId),
                        topologySpreadConstraints: spreadOverZones(args.labels),
                    },
                },
            },
        },
        { ...opts, ignoreChanges: ["spec.replicas"] },
    );
}

/** Pods spread evenly over zones (strictly) and over nodes (as far as possible). */
export function spreadOverZones(labels: Record<string, string>): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    return [
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: labels } },
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
    ];
}

export function computeResources(resources: ComputeResources, cpuLimit: string): k8s.types.input.core.v1.ResourceRequirements {
    return { requests: { cpu: resources.cpu, memory: resources.memory }, limits: { cpu: cpuLimit, memory: resources.memory } };
}

/** A PodDisruptionBudget (one pod away at a time) and a HorizontalPodAutoscaler on CPU for a Deployment. */
export function budgetAndAutoscaler(
    name: string,
    args: { namespace: pulumi.Input<string>; labels: Record<string, string>; deployment: k8s.apps.v1.Deployment; replicas: Replicas; cpuTargetPercent: number },
    opts: pulumi.CustomResourceOptions,
): void {
    new k8s.policy.v1.PodDisruptionBudget(
        name,
        {
            metadata: { namespace: args.namespace, labels: args.labels },
            spec: {
                maxUnavailable: 1,
                selector: { matchLabels: args.labels },
                // A pod that is not ready serves nothing: draining a node may evict it.
                unhealthyPodEvictionPolicy: "AlwaysAllow",
            },
        },
        opts,
    );
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        name,
        {
            metadata: { namespace: args.namespace, labels: args.labels },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.deployment.metadata.name },
                minReplicas: args.replicas.min,
                maxReplicas: args.replicas.max,
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.cpuTargetPercent } } }],
                // Up at once, down slowly: a spike's end is not the end of the day's traffic.
                behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Percent", value: 50, periodSeconds: 60 }] } },
            },
        },
        opts,
    );
}

const quantity = { cpu: /^\d+(\.\d+)?m?$/, memory: /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/ };

/** The shared arguments' problems, named with the argument. */
export function checkWorkloadArgs(problems: Problems, args: { replicas?: Replicas; cpuTargetPercent?: number; resources?: ComputeResources }): void {
    if (args.replicas) {
        problems.expect("replicas.min", intRange(1, 100), args.replicas.min);
        problems.check(!isIntIn(args.replicas.max, Math.max(1, args.replicas.min), 500), `replicas.max: expected replicas.min-500 (got ${args.replicas.max})`);
    }
    if (args.cpuTargetPercent !== undefined) problems.expect("cpuTargetPercent", intRange(10, 95), args.cpuTargetPercent);
    if (args.resources) {
        problems.check(!quantity.cpu.test(args.resources.cpu), `resources.cpu: expected a CPU quantity such as 250m (got "${args.resources.cpu}")`);
        problems.check(
            !quantity.memory.test(args.resources.memory),
            `resources.memory: expected a memory quantity such as 512Mi (got "${args.resources.memory}")`,
        );
    }
}
