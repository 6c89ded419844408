import { LoadBalancer, LoadBalancerArgs, tlsPolicy } from "../components/edge/load-balancer";
import { InvalidArgsError } from "../components/validation";
import { refusal, run } from "./harness";

const LISTENER = "aws:lb/listener:Listener";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const base: LoadBalancerArgs = {
    type: "application",
    vpcId: "vpc-1",
    vpcCidr: "10.0.0.0/16",
    subnetIds: ["p-1", "p-2"],
    targetGroups: { nginx: { port: 8080 } },
};

const ports = (rules: { inputs: Record<string, unknown> }[]) => [...new Set(rules.map((r) => r.inputs.fromPort))].sort();

describe("LoadBalancer", () => {
    it("serves HTTPS with a TLS 1.3 policy and redirects HTTP to it when it has a certificate", async () => {
        const r = await run(() => void new LoadBalancer("web", { ...base, certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc" }));
        expect(r.one(LISTENER, "web-https").inputs).toMatchObject({
            port: 443,
            protocol: "HTTPS",
            sslPolicy: tlsPolicy,
            defaultActions: [{ type: "forward", targetGroupArn: expect.stringContaining("web-nginx") }],
        });
        expect(r.one(LISTENER, "web-http").inputs).toMatchObject({
            port: 80,
            protocol: "HTTP",
            defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
        });
        expect(r.ofType(LISTENER)).toHaveLength(2);
    });

    it("opens only its listener ports to the world, and reaches only its targets' ports in the VPC", async () => {
        const r = await run(
            () =>
                void new LoadBalancer("web", {
                    ...base,
                    certificateArn: "arn:cert",
                    targetGroups: { nginx: { port: 8080 }, api: { port: 9000 } },
                    defaultTargetGroup: "nginx",
                }),
        );
        const ingress = r.ofType(INGRESS);
        expect(ports(ingress)).toEqual([443, 80]);
        expect(ingress.every((rule) => rule.inputs.toPort === rule.inputs.fromPort && rule.inputs.ipProtocol === "tcp")).toBe(true);
        const egress = r.ofType(EGRESS);
        expect(ports(egress)).toEqual([8080, 9000]);
        expect(egress.every((rule) => rule.inputs.cidrIpv4 === "10.0.0.0/16")).toBe(true);
        expect(r.one("aws:lb/loadBalancer:LoadBalancer", "web").inputs.securityGroups).toEqual(["web-id"]);
    });

    it("answers plain HTTP on 80 without a certificate, with health checks on /healthz and a short deregistration delay", async () => {
        const r = await run(() => void new LoadBalancer("web", base));
        expect(r.ofType(LISTENER).map((l) => [l.name, l.inputs.port, l.inputs.protocol])).toEqual([["web-http", 80, "HTTP"]]);
        expect(r.one("aws:lb/targetGroup:TargetGroup", "web-nginx").inputs).toMatchObject({
            port: 8080,
            protocol: "HTTP",
            deregistrationDelay: 30,
            healthCheck: expect.objectContaining({ path: "/healthz", protocol: "HTTP", matcher: "200" }),
        });
    });

    it("protects itself from deletion, drops invalid headers and logs access to a private bucket the load balancer may write", async () => {
        const r = await run(() => void new LoadBalancer("web", base));
        const lb = r.one("aws:lb/loadBalancer:LoadBalancer", "web").inputs;
        expect(lb).toMatchObject({
            enableDeletionProtection: true,
            dropInvalidHeaderFields: true,
            internal: false,
            accessLogs: { bucket: "web-logs-id", enabled: true },
        });
        expect(r.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "web-logs").inputs).toMatchObject({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            restrictPublicBuckets: true,
            ignorePublicAcls: true,
        });
        const policy = JSON.parse(r.one("aws:s3/bucketPolicy:BucketPolicy", "web-logs").inputs.policy as string);
        const writers = policy.Statement.filter((s: { Action: string; Effect: string }) => s.Action === "s3:PutObject" && s.Effect === "Allow");
        expect(writers.map((s: { Principal: unknown }) => s.Principal)).toEqual([
            { AWS: expect.stringMatching(/^arn:aws:iam::/) },
            { Service: "delivery.logs.amazonaws.com" },
        ]);
        expect(
            policy.Statement.some(
                (s: { Effect: string; Condition?: unknown }) => s.Effect === "Deny" && JSON.stringify(s.Condition).includes("SecureTransport"),
            ),
        ).toBe(true);
        const none = await run(() => void new LoadBalancer("web", { ...base, accessLogDays: 0, deletionProtection: false }));
        expect(none.ofType("aws:s3/bucket:Bucket")).toEqual([]);
        expect(none.one("aws:lb/loadBalancer:LoadBalancer", "web").inputs.enableDeletionProtection).toBe(false);
    });

    it("balances at layer 4 as an NLB: TCP or TLS listeners, cross-zone, proxy protocol on request", async () => {
        const r = await run(
            () =>
                void new LoadBalancer("edge", { ...base, type: "network", targetGroups: { nginx: { port: 80, proxyProtocol: true, healthCheckPort: 8081 } } }),
        );
        expect(r.one("aws:lb/loadBalancer:LoadBalancer", "edge").inputs).toMatchObject({ loadBalancerType: "network", enableCrossZoneLoadBalancing: true });
        expect(r.one("aws:lb/loadBalancer:LoadBalancer", "edge").inputs.dropInvalidHeaderFields).toBeUndefined();
        expect(r.one(LISTENER, "edge-tcp").inputs).toMatchObject({ port: 80, protocol: "TCP" });
        expect(r.one("aws:lb/targetGroup:TargetGroup", "edge-nginx").inputs).toMatchObject({
            protocol: "TCP",
            proxyProtocolV2: true,
            healthCheck: { port: "8081", path: "/healthz" },
        });
        expect(
            r
                .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
                .map((rule) => (rule.inputs as any).fromPort)
                .sort(),
        ).toEqual([80, 8081]);
        const tls = await run(
            () => void new LoadBalancer("edge", { ...base, type: "network", certificateArn: "arn:cert", targetGroups: { nginx: { port: 80 } } }),
        );
        expect(tls.ofType(LISTENER).map((l) => [l.inputs.port, l.inputs.protocol, l.inputs.sslPolicy])).toEqual([[443, "TLS", tlsPolicy]]);
        expect(ports(tls.ofType(INGRESS))).toEqual([443]);
    });

    it("admits only the VPC when internal", async () => {
        const r = await run(() => void new LoadBalancer("inner", { ...base, internal: true }));
        expect(r.ofType(INGRESS).map((rule) => [rule.inputs.fromPort, rule.inputs.cidrIpv4])).toEqual([[80, "10.0.0.0/16"]]);
    });

    it("routes paths to other target groups by priority on the serving listener", async () => {
        const r = await run(
            () =>
                void new LoadBalancer("inner", {
                    ...base,
                    internal: true,
                    targetGroups: { app: { port: 8080 }, orders: { port: 8080 } },
                    defaultTargetGroup: "app",
                    routes: { orders: { pathPatterns: ["/api/orders", "/api/orders/*"], targetGroup: "orders", priority: 10 } },
                }),
        );
        const rule = r.one("aws:lb/listenerRule:ListenerRule", "inner-route-orders").inputs as {
            priority: number;
            listenerArn: string;
            conditions: unknown;
            actions: { targetGroupArn: string }[];
        };
        expect(rule).toMatchObject({
            priority: 10,
            listenerArn: expect.stringContaining("inner-http"),
            conditions: [{ pathPattern: { values: ["/api/orders", "/api/orders/*"] } }],
        });
        expect(rule.actions[0].targetGroupArn).toContain("inner-orders");
    });

    it("refuses routes that name no target group, repeat a priority, or sit on an NLB", async () => {
        const { error } = await refusal(
            () =>
                new LoadBalancer("inner", {
                    ...base,
                    type: "network",
                    routes: {
                        a: { pathPatterns: ["/a"], targetGroup: "nope", priority: 1 },
                        b: { pathPatterns: ["b", "/1", "/2", "/3", "/4", "/5"], targetGroup: "nginx", priority: 1 },
                    },
                }),
        );
        expect((error as InvalidArgsError).problems).toEqual([
            "routes are for application load balancers only",
            "routes must have distinct priorities (got 1, 1)",
            'routes.a.targetGroup "nope" is not one of the targetGroups (nginx)',
            "routes.b.pathPatterns must hold 1 to 5 patterns (got 6)",
            "routes.b.pathPatterns must start with / (got b)",
        ]);
    });

    it("refuses bad arguments, naming each, before registering anything", async () => {
        const { error, registered } = await refusal(
            () =>
                new LoadBalancer("web", {
                    ...base,
                    subnetIds: ["one"],
                    vpcCidr: "everywhere",
                    targetGroups: { a: { port: 0, proxyProtocol: true }, b: { port: 80, healthCheckPath: "healthz" } },
                }),
        );
        expect(error).toBeInstanceOf(InvalidArgsError);
        const problems = (error as InvalidArgsError).problems;
        for (const text of [
            "subnetIds",
            "vpcCidr",
            "defaultTargetGroup must name one of a, b",
            "targetGroups.a.port",
            "targetGroups.a.proxyProtocol",
            "targetGroups.b.healthCheckPath",
        ]) {
            expect(problems.some((p) => p.includes(text))).toBe(true);
        }
        expect(problems).toHaveLength(6);
        expect(registered).toEqual([]);
    });
});
