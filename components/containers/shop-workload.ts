import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { rdsCaPath, rdsCaUrl } from "../compute/rds-certificates";
import { Statement } from "../iam";
import { otlpHttpPort, traceCollectorConfig, traceCollectorImage } from "../trace-collector";
import { Problems } from "../validation";
import { curlImage } from "./eks-versions";
import { podIdentityRole } from "./pod-identity";
import {
    budgetAndAutoscaler,
    checkWorkloadArgs,
    ComputeResources,
    computeResources,
    Replicas,
    restrictedContainerSecurity,
    restrictedDeployment,
} from "./workload-parts";

export interface ShopWorkloadArgs {
    /** The namespace (a restricted one: see restrictedNamespace). */
    namespace: pulumi.Input<string>;
    /** The shop's image, by digest (ShopImage.imageRef). */
    image: pulumi.Input<string>;
    /** The Service's name, by which the Nginx tier and other modules reach it. @default "shop" */
    serviceName?: string;
    /** The environment contract (SHOP_DATABASE_URL, SHOP_MODULES, SHOP_REGION, ...), through a ConfigMap. @default {} */
    env?: Record<string, pulumi.Input<string>>;
    /** Secrets of the contract (SHOP_DATABASE_PASSWORD, SHOP_REDIS_AUTH_TOKEN, SHOP_SESSION_SECRET), through a Secret. @default {} */
    secretEnv?: Record<string, pulumi.Input<string>>;
    /** @default { min: 2, max: 10 } */
    replicas?: Replicas;
    /** Average CPU the autoscaler aims at, percent of the request. @default 70 */
    cpuTargetPercent?: number;
    /** @default { cpu: "250m", memory: "512Mi" } (CPU may burst to one core) */
    resources?: ComputeResources;
    /**
     * Fetch the RDS certificate authorities before the shop starts (an init container), for TLS
     * to RDS verified: mounted at the path database URLs name as `sslrootcert`, and trusted by
     * Node.js through NODE_EXTRA_CA_CERTS. @default false
     */
    rdsCertificates?: boolean;
    /** AWS permissions of the shop's pods, through EKS Pod Identity. @default none */
    podIdentity?: { clusterName: pulumi.Input<string>; statements?: pulumi.Input<Statement>[]; managedPolicyArns?: string[] };
    /**
     * Run the trace collector in each pod, beside the shop (SHOP_OTLP_ENDPOINT: localhost), sending
     * to X-Ray in `region` with the pod's rights (podIdentity's statements must allow it). @default none
     */
    traceCollector?: { region: string };
    /**
     * Security groups for pods: the pods' own network interfaces wear these groups (and only
     * these), so that a data store can admit this workload and not its neighbours on the node.
     * Needs the VPC CNI's pod ENIs (EksCluster's `podSecurityGroups`). @default the node's groups
     */
    podSecurityGroupIds?: pulumi.Input<string>[];
    /**
     * Who may open connections to the pods' HTTP port, as label selectors of pods in the
     * namespace: a NetworkPolicy, which the VPC CNI enforces, admits only them (and the
     * metrics port from the VPC). @default no policy: any pod may connect
     */
    admitPods?: Record<string, string>[];
    /** The VPC's range, from which the metrics port is scraped (with `admitPods`). */
    vpcCidr?: string;
    /** Tags of the IAM role. @default {} */
    tags?: Record<string, string>;
}

/** The port the shop listens on in its image. */
export const shopPort = 8080;
/** Where the shop serves /metrics (SHOP_METRICS_PORT), apart from its traffic: scraped by pod IP, never behind the Service. */
export const shopMetricsPort = 9464;
/** The user of the image's `USER node`. */
const shopUserId = 1000;

/**
 * The shop on Kubernetes: a Deployment whose pods run under the restricted Pod Security
 * profile, start behind a startup probe (migrations run at start), stay in service by
 * liveness (`/healthz`) and readiness (`/readyz`, the databases answer), drain before
 * SIGTERM, spread over zones, keep one pod at most away through a PodDisruptionBudget and
 * scale on CPU. Its environment comes from an immutable ConfigMap and Secret, named by their
 * content, so that a change rolls the pods.
 */
export class ShopWorkload extends pulumi.ComponentResource {
    /** The Service's DNS name inside the cluster. */
    readonly serviceHost: pulumi.Output<string>;
    readonly serviceName: string;
    readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: ShopWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        super("shop:containers:ShopWorkload", name, {}, opts);

        // What the workload waits for (the load balancer controller, whose webhooks and CRDs refuse objects until it runs) holds for every object of it.
        const parent = { parent: this, dependsOn: opts?.dependsOn };
        const certificates = args.rdsCertificates ?? false;
        const serviceName = args.serviceName ?? "shop";
        const replicas = args.replicas ?? { min: 2, max: 10 };
        const labels = { "app.kubernetes.io/name": serviceName, "app.kubernetes.io/part-of": "shop-evolution" };
        const metadata = { namespace: args.namespace, labels };

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            name,
            { metadata: { ...metadata, name: serviceName }, automountServiceAccountToken: false },
            parent,
        );
        if (args.podIdentity) {
            podIdentityRole(
                `${name}-pods`,
                { ...args.podIdentity, namespace: args.namespace, serviceAccount: serviceAccount.metadata.name, tags: args.tags },
                parent,
            );
        }
        const config = new k8s.core.v1.ConfigMap(
            name,
            { metadata, immutable: true, data: { ...args.env, PORT: String(shopPort), SHOP_METRICS_PORT: String(shopMetricsPort) } },
            parent,
        );
        const secret = new k8s.core.v1.Secret(name, { metadata, immutable: true, type: "Opaque", stringData: args.secretEnv ?? {} }, parent);

        const deployment = restrictedDeployment(
            name,
            {
                namespace: args.namespace,
                labels,
                replicas,
                userId: shopUserId,
                podAnnotations: { "prometheus.io/scrape": "true", "prometheus.io/port": String(shopMetricsPort), "prometheus.io/path": "/metrics" },
                pod: {
                    serviceAccountName: serviceAccount.metadata.name,
                    containers: [
                        {
                            name: "shop",
                            image: args.image,
                            ports: [
                                { name: "http", containerPort: shopPort, protocol: "TCP" },
                                { name: "metrics", containerPort: shopMetricsPort, protocol: "TCP" },
                            ],
                            envFrom: [{ configMapRef: { name: config.metadata.name } }, { secretRef: { name: secret.metadata.name } }],
                            resources: computeResources(args.resources ?? { cpu: "250m", memory: "512Mi" }, "1"),
                            securityContext: restrictedContainerSecurity,
                            // Migrations run before the shop listens: up to two minutes to start.
                            startupProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 2, failureThreshold: 60 },
                            livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
                            readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
                            // Endpoints drop the pod while it still serves; SIGTERM comes after, and the shop finishes what is in flight.
                            lifecycle: { preStop: { sleep: { seconds: 5 } } },
                            env: certificates ? [{ name: "NODE_EXTRA_CA_CERTS", value: rdsCaPath }] : undefined,
                            volumeMounts: [
                                { name: "tmp", mountPath: "/tmp" },
                                ...(certificates ? [{ name: "certs", mountPath: rdsCaPath, subPath: "rds-ca.pem", readOnly: true }] : []),
                            ],
                        },
                        ...(args.traceCollector ? [traceCollectorContainer(args.traceCollector.region)] : []),
                    ],
                    initContainers: certificates
                        ? [
                              {
                                  name: "rds-certificates",
                                  image: curlImage,
                                  command: ["curl", "-fsSL", "--retry", "5", "-o", "/certs/rds-ca.pem", rdsCaUrl],
                                  resources: computeResources({ cpu: "50m", memory: "32Mi" }, "200m"),
                                  securityContext: restrictedContainerSecurity,
                                  volumeMounts: [{ name: "certs", mountPath: "/certs" }],
                              },
                          ]
                        : undefined,
                    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }, ...(certificates ? [{ name: "certs", emptyDir: { sizeLimit: "4Mi" } }] : [])],
                },
            },
            parent,
        );
        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: { ...metadata, name: serviceName },
                spec: { type: "ClusterIP", selector: labels, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
            },
            parent,
        );
        budgetAndAutoscaler(name, { namespace: args.namespace, labels, deployment, replicas, cpuTargetPercent: args.cpuTargetPercent ?? 70 }, parent);
        if (args.podSecurityGroupIds) {
            // The VPC resource controller gives each matching pod a branch network interface wearing these groups.
            new k8s.apiextensions.CustomResource(
                name,
                {
                    apiVersion: "vpcresources.k8s.aws/v1beta1",
                    kind: "SecurityGroupPolicy",
                    metadata: { ...metadata, name: serviceName },
                    spec: { podSelector: { matchLabels: labels }, securityGroups: { groupIds: args.podSecurityGroupIds } },
                },
                parent,
            );
        }
        if (args.admitPods) {
            new k8s.networking.v1.NetworkPolicy(
                name,
                {
                    metadata: { ...metadata, name: serviceName },
                    spec: {
                        podSelector: { matchLabels: labels },
                        policyTypes: ["Ingress"],
                        ingress: [
                            { from: args.admitPods.map((matchLabels) => ({ podSelector: { matchLabels } })), ports: [{ port: "http", protocol: "TCP" }] },
                            ...(args.vpcCidr ? [{ from: [{ ipBlock: { cidr: args.vpcCidr } }], ports: [{ port: "metrics", protocol: "TCP" }] }] : []),
                        ],
                    },
                },
                parent,
            );
        }

        this.serviceName = serviceName;
        this.serviceHost = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
        this.deploymentName = deployment.metadata.name;
        this.registerOutputs({ serviceHost: this.serviceHost, deploymentName: this.deploymentName });
    }
}

/** The collector beside the shop, on the pod's loopback only: its configuration in its environment, its rights the pod's. */
function traceCollectorContainer(region: string): k8s.types.input.core.v1.Container {
    return {
        name: "otel-collector",
        image: traceCollectorImage,
        args: ["--config=env:OTEL_COLLECTOR_CONFIG"],
        env: [{ name: "OTEL_COLLECTOR_CONFIG", value: traceCollectorConfig(region, "127.0.0.1") }],
        ports: [{ name: "otlp-http", containerPort: otlpHttpPort, protocol: "TCP" }],
        resources: computeResources({ cpu: "50m", memory: "64Mi" }, "200m"),
        securityContext: restrictedContainerSecurity,
    };
}

const envName = /^[A-Z][A-Z0-9_]*$/;

function validate(name: string, args: ShopWorkloadArgs): void {
    const problems = new Problems();
    checkWorkloadArgs(problems, args);
    if (args.serviceName !== undefined)
        problems.check(!/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(args.serviceName), `serviceName: expected a DNS label (got "${args.serviceName}")`);
    const env = Object.keys(args.env ?? {});
    const secretEnv = Object.keys(args.secretEnv ?? {});
    for (const key of [...env, ...secretEnv]) problems.check(!envName.test(key), `env: "${key}" is not an environment variable name (A-Z, 0-9, _)`);
    for (const key of env.filter((k) => secretEnv.includes(k))) problems.check(true, `env: ${key} is in both env and secretEnv`);
    problems.check([...env, ...secretEnv].includes("PORT"), `env: PORT is the image's (${shopPort}) and cannot be set`);
    problems.check(
        args.podSecurityGroupIds !== undefined && args.podSecurityGroupIds.length === 0,
        "podSecurityGroupIds: name at least one group, or leave it out",
    );
    problems.check(
        args.admitPods !== undefined && args.admitPods.length === 0,
        "admitPods: name at least one selector, or leave it out (an empty list would admit no one)",
    );
    for (const key of ["SHOP_DATABASE_PASSWORD", "SHOP_REDIS_AUTH_TOKEN", "SHOP_SESSION_SECRET"]) {
        problems.check(env.includes(key), `env: ${key} is a secret; pass it in secretEnv`);
    }
    problems.throwIfAny("ShopWorkload", name);
}
