import * as k8s from "@pulumi/kubernetes";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NginxWorkload } from "../components/containers/nginx-workload";
import { restrictedNamespace } from "../components/containers/restricted-namespace";
import { ShopWorkload, ShopWorkloadArgs } from "../components/containers/shop-workload";
import { InvalidArgsError } from "../components/validation";
import { refusal, Registered, run } from "./harness";
import { kubernetesObjects, schemaProblems } from "./support/kubernetes-schema";
import { nginxBinary } from "../tools/servers/nginx";

const image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:" + "ab".repeat(32);

async function platform(shopArgs: Partial<ShopWorkloadArgs> = {}, nginxArgs: { targetGroupArn?: string } = {}): Promise<Registered> {
    return run(() => {
        const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
        const namespace = restrictedNamespace("shop", "shop", { provider });
        const shop = new ShopWorkload(
            "shop",
            {
                namespace: namespace.metadata.name,
                image,
                env: { SHOP_DATABASE_URL: "postgres://shop@writer.example:5432/shop", SHOP_REGION: "us-east-1" },
                secretEnv: { SHOP_DATABASE_PASSWORD: "s3cret", SHOP_SESSION_SECRET: "x".repeat(40) },
                podIdentity: {
                    clusterName: "shop-dev",
                    statements: [{ Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop-*" }],
                },
                ...shopArgs,
            },
            { providers: { kubernetes: provider } },
        );
        new NginxWorkload(
            "nginx",
            { namespace: namespace.metadata.name, upstream: { host: "shop.shop.svc.cluster.local" }, vpcCidr: "10.0.0.0/16", ...nginxArgs },
            { providers: { kubernetes: provider } },
        );
        return { serviceHost: shop.serviceHost };
    });
}

describe("ShopWorkload and NginxWorkload bound to the stack's own NLB, with the RDS certificates fetched before the shop starts", () => {
    it("binds the Nginx pods to the given target group by IP behind a ClusterIP Service, and mounts the certificates the init container fetched", async () => {
        const registered = await platform(
            { rdsCertificates: true },
            { targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-edge-nginx/abc" },
        );
        expect(kubernetesObjects(registered.resources).flatMap(schemaProblems)).toEqual([]);
        const binding = registered.one("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding", "nginx").inputs as { spec: Record<string, unknown> };
        expect(binding.spec).toEqual({
            serviceRef: { name: expect.any(String), port: 80 },
            targetGroupARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-edge-nginx/abc",
            targetType: "ip",
        });
        const service = registered.one("kubernetes:core/v1:Service", "nginx").inputs as {
            spec: { type: string };
            metadata: { annotations: Record<string, string> };
        };
        expect(service.spec.type).toBe("ClusterIP");
        expect(service.metadata.annotations).toEqual({});
        const pod = (registered.one("kubernetes:apps/v1:Deployment", "shop").inputs as { spec: { template: { spec: any } } }).spec.template.spec;
        expect(pod.initContainers[0]).toMatchObject({
            name: "rds-certificates",
            command: expect.arrayContaining(["https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"]),
            securityContext: expect.objectContaining({ allowPrivilegeEscalation: false }),
        });
        expect(pod.containers[0].env).toEqual([{ name: "NODE_EXTRA_CA_CERTS", value: "/etc/shop/rds-ca.pem" }]);
        expect(pod.containers[0].volumeMounts).toContainEqual({ name: "certs", mountPath: "/etc/shop/rds-ca.pem", subPath: "rds-ca.pem", readOnly: true });
    });
});

describe("ShopWorkload and NginxWorkload", () => {
    let registered: Registered;
    beforeAll(async () => {
        registered = await platform();
    });

    it("register only objects that are valid against the Kubernetes API schema", () => {
        const objects = kubernetesObjects(registered.resources);
        expect(objects.map((o) => o.type).sort()).toEqual(
            [
                "kubernetes:apps/v1:Deployment",
                "kubernetes:apps/v1:Deployment",
                "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
                "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
                "kubernetes:core/v1:ConfigMap",
                "kubernetes:core/v1:ConfigMap",
                "kubernetes:core/v1:Namespace",
                "kubernetes:core/v1:Secret",
                "kubernetes:core/v1:Service",
                "kubernetes:core/v1:Service",
                "kubernetes:core/v1:ServiceAccount",
                "kubernetes:policy/v1:PodDisruptionBudget",
                "kubernetes:policy/v1:PodDisruptionBudget",
            ].sort(),
        );
        expect(objects.flatMap(schemaProblems)).toEqual([]);
    });

    it("the schema check catches an invalid object", () => {
        const deployment = registered.one("kubernetes:apps/v1:Deployment", "shop");
        const broken = JSON.parse(JSON.stringify(deployment));
        broken.inputs.spec.template.spec.containers[0].ports[0].containerPort = "eighty";
        expect(schemaProblems(broken).join()).toMatch(/containerPort must be integer/);
    });

    it("runs the shop restricted: non-root, read-only root filesystem, no privilege escalation, no capabilities", () => {
        const spec = (registered.one("kubernetes:apps/v1:Deployment", "shop").inputs as any).spec.template.spec;
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } });
        expect(spec.containers[0].securityContext).toEqual({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            privileged: false,
            capabilities: { drop: ["ALL"] },
        });
        expect(spec.containers[0].image).toBe(image);
        const namespace = registered.one("kubernetes:core/v1:Namespace", "shop").inputs as any;
        expect(namespace.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    });

    it("probes the shop: startup and liveness on /healthz, readiness on /readyz, a drain before SIGTERM", () => {
        const container = (registered.one("kubernetes:apps/v1:Deployment", "shop").inputs as any).spec.template.spec.containers[0];
        expect(container.startupProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
        expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBeGreaterThanOrEqual(120);
        expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
        expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
        expect(container.lifecycle.preStop.sleep.seconds).toBeGreaterThan(0);
        expect(container.resources).toEqual({ requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "512Mi" } });
    });

    it("takes the environment from an immutable ConfigMap and the secrets from a Secret, never inline", () => {
        const spec = (registered.one("kubernetes:apps/v1:Deployment", "shop").inputs as any).spec.template.spec;
        const config = registered.one("kubernetes:core/v1:ConfigMap", "shop").inputs as any;
        const secret = registered.one("kubernetes:core/v1:Secret", "shop").inputs as any;
        expect(config).toMatchObject({
            immutable: true,
            data: { SHOP_DATABASE_URL: "postgres://shop@writer.example:5432/shop", SHOP_REGION: "us-east-1", PORT: "8080" },
        });
        expect(Object.keys(secret.stringData).sort()).toEqual(["SHOP_DATABASE_PASSWORD", "SHOP_SESSION_SECRET"]);
        expect(spec.containers[0].envFrom).toEqual([
            { configMapRef: { name: expect.stringMatching(/^shop-/) } },
            { secretRef: { name: expect.stringMatching(/^shop-/) } },
        ]);
        expect(spec.containers[0].env).toBeUndefined();
    });

    it("spreads over zones, keeps a disruption budget and scales on CPU", () => {
        const spec = (registered.one("kubernetes:apps/v1:Deployment", "shop").inputs as any).spec;
        expect(spec.template.spec.topologySpreadConstraints[0]).toMatchObject({
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "DoNotSchedule",
            maxSkew: 1,
        });
        expect(spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: "25%" });
        const pdb = registered.one("kubernetes:policy/v1:PodDisruptionBudget", "shop").inputs as any;
        expect(pdb.spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: spec.selector.matchLabels } });
        const hpa = registered.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "shop").inputs as any;
        expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10, scaleTargetRef: { kind: "Deployment", name: expect.stringMatching(/^shop-/) } });
        expect(hpa.spec.metrics[0].resource).toEqual({ name: "cpu", target: { type: "Utilization", averageUtilization: 70 } });
    });

    it("gives the shop's service account its own IAM role through EKS Pod Identity", () => {
        const association = registered.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "shop-pods").inputs as any;
        expect(association).toMatchObject({ clusterName: "shop-dev", namespace: "shop", serviceAccount: "shop" });
        const role = registered.one("aws:iam/role:Role", "shop-pods").inputs as any;
        expect(JSON.parse(role.assumeRolePolicy).Statement[0]).toMatchObject({
            Principal: { Service: "pods.eks.amazonaws.com" },
            Action: ["sts:AssumeRole", "sts:TagSession"],
        });
        expect((registered.one("kubernetes:core/v1:ServiceAccount", "shop").inputs as any).automountServiceAccountToken).toBe(false);
    });

    it("puts Nginx behind an NLB made by the load balancer controller, with proxy protocol and a plain health port", () => {
        const service = registered.one("kubernetes:core/v1:Service", "nginx").inputs as any;
        expect(service.spec).toMatchObject({ type: "LoadBalancer", loadBalancerClass: "service.k8s.aws/nlb" });
        expect(service.metadata.annotations).toMatchObject({
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            "service.beta.kubernetes.io/aws-load-balancer-proxy-protocol": "*",
            "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "8081",
        });
        const container = (registered.one("kubernetes:apps/v1:Deployment", "nginx").inputs as any).spec.template.spec.containers[0];
        expect(container.readinessProbe.httpGet).toEqual({ path: "/healthz", port: "health" });
        expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    });

    it("mounts an nginx.conf that real nginx accepts, with the shop's Service resolving as cluster DNS would", () => {
        const conf = (registered.one("kubernetes:core/v1:ConfigMap", "nginx").inputs as any).data["nginx.conf"] as string;
        expect(conf).toContain("server shop.shop.svc.cluster.local:80");
        expect(conf).toContain("listen 8080 proxy_protocol default_server;");
        expect(conf).toContain("set_real_ip_from 10.0.0.0/16;");
        if (process.getuid?.() !== 0) throw new Error("this test runs nginx in a private mount namespace, which needs root (as in CI)");
        // The pod's view, in a private mount namespace: an empty /tmp (the emptyDir), the Service's
        // name answered by a hosts file (as cluster DNS would), and nginx as the image's uid 101.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-k8s-nginx-"));
        try {
            fs.mkdirSync(path.join(dir, "tmp"), { mode: 0o1777 });
            fs.chmodSync(path.join(dir, "tmp"), 0o1777);
            fs.writeFileSync(path.join(dir, "tmp", "nginx.conf"), conf, { mode: 0o644 });
            fs.writeFileSync(path.join(dir, "hosts"), "127.0.0.1 localhost\n10.100.12.34 shop.shop.svc.cluster.local\n");
            const script = [
                `mount --bind ${dir}/hosts /etc/hosts`,
                `mount --bind ${dir}/tmp /tmp`,
                `(setpriv --reuid=101 --regid=101 --clear-groups sh -c '${nginxBinary} -t -c /tmp/nginx.conf > /tmp/test.out 2>&1' || true)`,
                "cat /tmp/test.out",
            ].join(" && ");
            const output = execFileSync("unshare", ["--mount", "sh", "-c", script], { encoding: "utf8" });
            expect(output).toContain("test is successful");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses bad arguments, naming each, before registering anything", async () => {
        const { error, registered: partial } = await refusal(
            () =>
                new ShopWorkload("bad", {
                    namespace: "shop",
                    image,
                    serviceName: "Shop_Service",
                    env: { PORT: "80", "lower-case": "x", SHOP_DATABASE_PASSWORD: "inline" },
                    secretEnv: { SHOP_DATABASE_PASSWORD: "s" },
                    replicas: { min: 0, max: 3 },
                    cpuTargetPercent: 120,
                    resources: { cpu: "a lot", memory: "512Mi" },
                }),
        );
        expect(error).toBeInstanceOf(InvalidArgsError);
        for (const part of [
            "serviceName",
            '"lower-case"',
            "in both env and secretEnv",
            "PORT",
            "SHOP_DATABASE_PASSWORD is a secret",
            "replicas.min",
            "cpuTargetPercent",
            "resources.cpu",
        ]) {
            expect(error.message).toContain(part);
        }
        expect(partial.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
        const nginx = await refusal(() => new NginxWorkload("bad", { namespace: "shop", upstream: { host: "shop svc" }, vpcCidr: "10.0.0.0" }));
        expect(nginx.error.message).toContain("vpcCidr");
        expect(nginx.error.message).toContain("nginx.conf: upstream server");
    });
});
