import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NginxConfArgs, nginxConfProblems, renderNginxConf } from "../edge/nginx-conf";
import { cidrBlock, Problems } from "../validation";
import { nginxImage } from "./eks-versions";
import {
    budgetAndAutoscaler,
    checkWorkloadArgs,
    ComputeResources,
    computeResources,
    Replicas,
    restrictedContainerSecurity,
    restrictedDeployment,
} from "./workload-parts";

export interface NginxWorkloadArgs {
    namespace: pulumi.Input<string>;
    /** The shop's Service: its in-cluster DNS name and port. */
    upstream: { host: string; port?: number };
    /** The VPC's range: the NLB's addresses, trusted for the client address in the proxy protocol header. */
    vpcCidr: string;
    /** @default "internet-facing" */
    scheme?: "internet-facing" | "internal";
    /**
     * An existing NLB target group (IP targets, proxy protocol v2, health on 8081) to put the
     * pods in, through a TargetGroupBinding, instead of an NLB the controller makes for the
     * Service: the load balancer then stays the stack's own, with its name, certificate, DNS
     * records and access logs. @default none: the controller makes an NLB
     */
    targetGroupArn?: pulumi.Input<string>;
    /** @default the pinned unprivileged Nginx image */
    image?: string;
    /** @default { min: 2, max: 6 } */
    replicas?: Replicas;
    /** @default 70 */
    cpuTargetPercent?: number;
    /** @default { cpu: "100m", memory: "128Mi" } */
    resources?: ComputeResources;
    /** Per-client rate limit. @default the renderer's */
    rateLimit?: NginxConfArgs["rateLimit"];
    /** @default the renderer's */
    clientMaxBodySize?: string;
}

const listenPort = 8080;
const healthPort = 8081;
/** The unprivileged image's `nginx` user. */
const nginxUserId = 101;

/** The nginx.conf of the Kubernetes Nginx tier: the same renderer as the EC2 fleet's, with paths a read-only root filesystem allows. */
export function kubernetesNginxConf(args: Pick<NginxWorkloadArgs, "upstream" | "vpcCidr" | "rateLimit" | "clientMaxBodySize">): NginxConfArgs {
    return {
        // A Service's name resolves to one stable cluster IP: resolved once at start, with keepalive to it.
        upstream: { servers: [{ address: `${args.upstream.host}:${args.upstream.port ?? 80}` }] },
        listenPort,
        healthPort,
        clientAddress: { from: "nlb-proxy-protocol", trustedCidrs: [args.vpcCidr] },
        rateLimit: args.rateLimit,
        clientMaxBodySize: args.clientMaxBodySize,
        paths: { pidFile: "/tmp/nginx.pid", errorLog: "/dev/stderr", accessLog: "/dev/stdout", tempDir: "/tmp", mimeTypes: "/etc/nginx/mime.types" },
    };
}

/**
 * The Nginx tier on Kubernetes (stage 14): nginx.conf rendered by the renderer the EC2 fleet
 * uses, mounted from a ConfigMap named by its content (a change rolls the pods), behind a
 * Network Load Balancer that the AWS Load Balancer Controller makes for the Service, with
 * IP targets and proxy protocol v2 so that rate limits see the client's address.
 */
export class NginxWorkload extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    /** The NLB's DNS name, once the controller has made it. */
    readonly loadBalancerHostname: pulumi.Output<string | undefined>;

    constructor(name: string, args: NginxWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        super("shop:containers:NginxWorkload", name, {}, opts);

        // What the workload waits for (the load balancer controller, whose webhooks and CRDs refuse objects until it runs) holds for every object of it.
        const parent = { parent: this, dependsOn: opts?.dependsOn };
        const replicas = args.replicas ?? { min: 2, max: 6 };
        const labels = { "app.kubernetes.io/name": "nginx", "app.kubernetes.io/part-of": "shop-evolution" };
        const metadata = { namespace: args.namespace, labels };

        const config = new k8s.core.v1.ConfigMap(
            name,
            { metadata, immutable: true, data: { "nginx.conf": renderNginxConf(kubernetesNginxConf(args)) } },
            parent,
        );
        const deployment = restrictedDeployment(
            name,
            {
                namespace: args.namespace,
                labels,
                replicas,
                userId: nginxUserId,
                pod: {
                    automountServiceAccountToken: false,
                    containers: [
                        {
                            name: "nginx",
                            image: args.image ?? nginxImage,
                            ports: [
                                { name: "http", containerPort: listenPort, protocol: "TCP" },
                                { name: "health", containerPort: healthPort, protocol: "TCP" },
                            ],
                            resources: computeResources(args.resources ?? { cpu: "100m", memory: "128Mi" }, "1"),
                            securityContext: restrictedContainerSecurity,
                            livenessProbe: { httpGet: { path: "/healthz", port: "health" }, periodSeconds: 10, failureThreshold: 3 },
                            readinessProbe: { httpGet: { path: "/healthz", port: "health" }, periodSeconds: 5, failureThreshold: 2 },
                            // The NLB deregisters the pod before nginx stops; nginx then finishes open requests on SIGQUIT.
                            lifecycle: { preStop: { sleep: { seconds: 10 } } },
                            volumeMounts: [
                                { name: "config", mountPath: "/etc/nginx/nginx.conf", subPath: "nginx.conf", readOnly: true },
                                { name: "tmp", mountPath: "/tmp" },
                            ],
                        },
                    ],
                    volumes: [
                        { name: "config", configMap: { name: config.metadata.name } },
                        { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                    ],
                },
            },
            parent,
        );
        const bound = args.targetGroupArn !== undefined;
        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: {
                    ...metadata,
                    annotations: bound
                        ? {}
                        : {
                              "service.beta.kubernetes.io/aws-load-balancer-scheme": args.scheme ?? "internet-facing",
                              "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                              "service.beta.kubernetes.io/aws-load-balancer-proxy-protocol": "*",
                              "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "HTTP",
                              "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": String(healthPort),
                              "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path": "/healthz",
                              "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
                              "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "deregistration_delay.timeout_seconds=15",
                          },
                },
                spec: bound
                    ? { type: "ClusterIP", selector: labels, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] }
                    : {
                          type: "LoadBalancer",
                          // Made by the AWS Load Balancer Controller, not by the in-tree cloud provider.
                          loadBalancerClass: "service.k8s.aws/nlb",
                          selector: labels,
                          ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
                      },
            },
            parent,
        );
        if (bound) {
            // The controller keeps the target group's members equal to the Service's ready pods.
            new k8s.apiextensions.CustomResource(
                name,
                {
                    apiVersion: "elbv2.k8s.aws/v1beta1",
                    kind: "TargetGroupBinding",
                    metadata,
                    spec: { serviceRef: { name: service.metadata.name, port: 80 }, targetGroupARN: args.targetGroupArn, targetType: "ip" },
                },
                parent,
            );
        }
        budgetAndAutoscaler(name, { namespace: args.namespace, labels, deployment, replicas, cpuTargetPercent: args.cpuTargetPercent ?? 70 }, parent);

        this.serviceName = service.metadata.name;
        this.loadBalancerHostname = service.status.apply((s) => s?.loadBalancer?.ingress?.[0]?.hostname);
        this.registerOutputs({ serviceName: this.serviceName, loadBalancerHostname: this.loadBalancerHostname });
    }
}

function validate(name: string, args: NginxWorkloadArgs): void {
    const problems = new Problems();
    checkWorkloadArgs(problems, args);
    problems.expect("vpcCidr", cidrBlock(), args.vpcCidr);
    for (const problem of nginxConfProblems(kubernetesNginxConf(args))) problems.check(true, `nginx.conf: ${problem}`);
    problems.throwIfAny("NginxWorkload", name);
}
