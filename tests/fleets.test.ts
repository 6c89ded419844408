import * as aws from "@pulumi/aws";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AppFleet, AppFleetArgs } from "../components/compute/app-fleet";
import { NginxFleet, NginxFleetArgs } from "../components/compute/nginx-fleet";
import { nginxConfOf } from "../components/compute/nginx-user-data";
import { InvalidArgsError } from "../components/validation";
import { Registered, refusal, run } from "./harness";
import { nginxBinary } from "../tools/servers/nginx";

const TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const GROUP = "aws:autoscaling/group:Group";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

const network = { vpcId: "vpc-1", vpcCidr: "10.0.0.0/16", subnetIds: ["p-1", "p-2", "p-3"] };
const nginxArgs: NginxFleetArgs = {
    ...network,
    upstream: { servers: [{ address: "10.0.1.10:8080" }, { address: "10.0.2.10:8080" }] },
    allowedSecurityGroups: { lb: "sg-lb" },
    targetGroupArns: ["arn:tg-nginx"],
};
const appArgs: AppFleetArgs = {
    ...network,
    image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:0123abcd",
    environment: {
        SHOP_DATABASE_URL: "postgres://shop_admin@orders.cluster-x.us-east-1.rds.amazonaws.com:5432/shop?sslmode=require",
        SHOP_MODULES: "catalog,cart",
    },
    secrets: { SHOP_DATABASE_PASSWORD: { secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC", jsonKey: "password" } },
    allowedSecurityGroups: { nginx: "sg-nginx" },
    targetGroupArns: ["arn:tg-app"],
};

function userDataOf(r: Registered, name: string): string {
    return Buffer.from(r.one(TEMPLATE, name).inputs.userData as string, "base64").toString("utf8");
}

function bashSyntaxErrors(script: string): string {
    const check = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
    return check.status === 0 ? "" : check.stderr;
}

/** `nginx -t` on the configuration exactly as an instance receives it, with the system's paths. */
function nginxAccepts(conf: string): { ok: boolean; output: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-fleet-conf-"));
    try {
        fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
        const result = spawnSync(nginxBinary, ["-t", "-c", path.join(dir, "nginx.conf")], { encoding: "utf8" });
        return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("NginxFleet", () => {
    it("launches instances with IMDSv2 required and an encrypted root volume, from the current Amazon Linux", async () => {
        const r = await run(() => void new NginxFleet("nginx", nginxArgs));
        expect(r.one(TEMPLATE, "nginx").inputs).toMatchObject({
            metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: expect.objectContaining({ encrypted: "true", volumeType: "gp3" }) }],
            imageId: expect.stringContaining("ami-"),
            iamInstanceProfile: { arn: expect.stringContaining("nginx") },
        });
        expect(r.one(TEMPLATE, "nginx").inputs.keyName).toBeUndefined();
    });

    it("ships a rendered nginx.conf that the real nginx accepts, balancing over the app servers", async () => {
        const r = await run(() => void new NginxFleet("nginx", nginxArgs));
        const script = userDataOf(r, "nginx");
        expect(bashSyntaxErrors(script)).toBe("");
        const conf = nginxConfOf(script);
        expect(conf).toContain("server 10.0.1.10:8080 max_fails=2");
        expect(conf).toContain("real_ip_header X-Forwarded-For;");
        const verdict = nginxAccepts(conf);
        expect(verdict.output).toContain("syntax is ok");
        expect(verdict.ok).toBe(true);
    });

    it("takes the DNS name of an internal load balancer from that resource, and renders it once known", async () => {
        const r = await run(() => {
            const internal = new aws.lb.LoadBalancer("internal", { internal: true, loadBalancerType: "application", subnets: ["p-1", "p-2"] });
            new NginxFleet("nginx", { ...nginxArgs, upstream: { dnsName: internal.dnsName, port: 80, resolver: "169.254.169.253" } });
        });
        const conf = nginxConfOf(userDataOf(r, "nginx"));
        expect(conf).toContain("set $shop_upstream http://internal-dns.mock.elb.amazonaws.com:80;");
        expect(conf).toContain("resolver 169.254.169.253 valid=10s ipv6=off;");
        expect(nginxAccepts(conf).ok).toBe(true);
    });

    it("speaks proxy protocol behind an NLB, with a plain health port that the load balancer may reach", async () => {
        let healthCheckPort: number | undefined;
        const r = await run(() => void (healthCheckPort = new NginxFleet("nginx", { ...nginxArgs, behind: "nlb-proxy-protocol" }).healthCheckPort));
        const conf = nginxConfOf(userDataOf(r, "nginx"));
        expect(conf).toContain("listen 80 proxy_protocol default_server;");
        expect(conf).toContain(`listen ${healthCheckPort};`);
        expect(nginxAccepts(conf).ok).toBe(true);
        const ingress = r.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((rule) => rule.inputs as any);
        expect(ingress.filter((rule) => rule.fromPort === healthCheckPort)).toHaveLength(Object.keys(nginxArgs.allowedSecurityGroups).length);
    });

    it("spreads over the private subnets behind the target group, scales on CPU and rolls when the configuration changes", async () => {
        const r = await run(() => void new NginxFleet("nginx", nginxArgs));
        expect(r.one(GROUP, "nginx").inputs).toMatchObject({
            vpcZoneIdentifiers: ["p-1", "p-2", "p-3"],
            targetGroupArns: ["arn:tg-nginx"],
            healthCheckType: "ELB",
            minSize: 2,
            maxSize: 6,
            instanceRefresh: { strategy: "Rolling", preferences: expect.objectContaining({ minHealthyPercentage: 90 }) },
            launchTemplate: { id: "nginx-id" },
        });
        expect(r.one("aws:autoscaling/policy:Policy", "nginx-cpu").inputs).toMatchObject({
            policyType: "TargetTrackingScaling",
            targetTrackingConfiguration: { predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" }, targetValue: 60 },
        });
        const changed = await run(() => void new NginxFleet("nginx", { ...nginxArgs, upstream: { servers: [{ address: "10.0.3.10:8080" }] } }));
        expect(userDataOf(changed, "nginx")).not.toBe(userDataOf(r, "nginx"));
    });

    it("admits only the load balancer on 80, and reaches only the upstream port in the VPC besides HTTPS", async () => {
        const r = await run(() => void new NginxFleet("nginx", nginxArgs));
        expect(r.ofType(INGRESS).map((rule) => [rule.inputs.fromPort, rule.inputs.referencedSecurityGroupId])).toEqual([[80, "sg-lb"]]);
        expect(r.ofType(EGRESS).map((rule) => [rule.inputs.fromPort, rule.inputs.cidrIpv4])).toEqual([
            [443, "0.0.0.0/0"],
            [8080, "10.0.0.0/16"],
        ]);
    });

    it("refuses bad arguments, naming each, before registering anything", async () => {
        const { error, registered } = await refusal(
            () => new NginxFleet("nginx", { ...nginxArgs, subnetIds: ["p-1"], minSize: 5, maxSize: 2, upstream: { servers: [] }, allowedSecurityGroups: {} }),
        );
        expect(error).toBeInstanceOf(InvalidArgsError);
        const problems = (error as InvalidArgsError).problems.join("\n");
        for (const text of [
            "maxSize (2) must not be below minSize (5)",
            "subnetIds",
            "allowedSecurityGroups",
            "upstream.servers must list at least one server",
        ])
            expect(problems).toContain(text);
        expect(registered).toEqual([]);
    });
});

describe("AppFleet", () => {
    it("boots the shop from ECR with its environment contract and its secrets fetched at boot", async () => {
        const r = await run(() => void new AppFleet("app", appArgs));
        const script = userDataOf(r, "app");
        expect(bashSyntaxErrors(script)).toBe("");
        expect(script).toContain("docker login --username AWS --password-stdin '123456789012.dkr.ecr.us-east-1.amazonaws.com'");
        expect(script).toContain("'SHOP_MODULES=catalog,cart'");
        expect(script).toContain("'PORT=8080'");
        expect(script).toMatch(/--secret-id 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC'.*jq -r '\.password'/);
        expect(script).not.toMatch(/SHOP_DATABASE_PASSWORD=[^"]/);
        expect(script).toContain("'123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:0123abcd'");
    });

    it("in another region, reads each secret from the region its ARN names and reaches the peered home VPC's ports", async () => {
        const r = await run(() => void new AppFleet("app", { ...appArgs, egressPeers: { "us-east-1": "10.9.0.0/16" } }), {
            config: { "aws:region": "eu-west-1" },
        });
        const script = userDataOf(r, "app");
        expect(script).toMatch(/--region 'us-east-1' --secret-id 'arn:aws:secretsmanager:us-east-1:/);
        expect(script).toContain("awslogs-region='eu-west-1'");
        const peered = r
            .ofType(EGRESS)
            .filter((rule) => rule.inputs.cidrIpv4 === "10.9.0.0/16")
            .map((rule) => [rule.name, rule.inputs.fromPort]);
        expect(peered).toEqual([
            ["app-out-5432-us-east-1", 5432],
            ["app-out-6379-us-east-1", 6379],
        ]);
    });

    it("gives the instances least privilege: images, the named secrets, its own logs, SSM", async () => {
        const r = await run(() => void new AppFleet("app", appArgs));
        expect(r.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn)).toEqual([
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        ]);
        const inline = JSON.parse(r.one("aws:iam/rolePolicy:RolePolicy", "app").inputs.policy as string);
        expect(inline.Statement).toEqual([
            { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: expect.stringMatching(/LogGroup\/app:\*$/) },
            { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: ["arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC"] },
        ]);
        expect(r.one(TEMPLATE, "app").inputs.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
    });

    it("lets the shop's container reach the instance's credentials only where it calls AWS itself (media, flags)", async () => {
        const statement = { Action: "s3:GetObject", Resource: "arn:aws:s3:::media/*" };
        const r = await run(() => void new AppFleet("app", { ...appArgs, statements: [statement] }));
        expect(r.one(TEMPLATE, "app").inputs.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 2 });
    });

    it("admits only the named security groups on the shop's port, and reaches the data tier inside the VPC", async () => {
        const r = await run(() => void new AppFleet("app", appArgs));
        expect(r.ofType(INGRESS).map((rule) => [rule.inputs.fromPort, rule.inputs.referencedSecurityGroupId])).toEqual([[8080, "sg-nginx"]]);
        expect(r.ofType(EGRESS).map((rule) => rule.inputs.fromPort)).toEqual([443, 5432, 6379]);
        expect(r.one(GROUP, "app").inputs).toMatchObject({ healthCheckType: "ELB", targetGroupArns: ["arn:tg-app"], maxSize: 10 });
    });

    it("rolls the fleet when the image changes", async () => {
        const before = await run(() => void new AppFleet("app", appArgs));
        const after = await run(() => void new AppFleet("app", { ...appArgs, image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:ffff" }));
        expect(userDataOf(after, "app")).not.toBe(userDataOf(before, "app"));
        expect(after.one(GROUP, "app").inputs.instanceRefresh).toMatchObject({ strategy: "Rolling" });
    });

    it("rolls the fleet when a password is rotated (a new version of its secret), without putting the password in the launch template", async () => {
        const at = (version: string) => ({ ...appArgs, secrets: { SHOP_DATABASE_PASSWORD: { ...appArgs.secrets!.SHOP_DATABASE_PASSWORD, version } } });
        const before = await run(() => void new AppFleet("app", at("v-1")));
        const after = await run(() => void new AppFleet("app", at("v-2")));
        expect(userDataOf(before, "app")).toContain("# Secret versions read at boot: SHOP_DATABASE_PASSWORD=v-1");
        expect(userDataOf(after, "app")).not.toBe(userDataOf(before, "app"));
        expect(after.one(TEMPLATE, "app").inputs.userData).not.toBe("[secret]");
    });

    it("refuses bad arguments, naming each, before registering anything", async () => {
        const { error, registered } = await refusal(
            () =>
                new AppFleet("app", {
                    ...appArgs,
                    port: 0,
                    environment: { "shop-url": "x", SHOP_DATABASE_PASSWORD: "plain", PORT: "1" },
                    targetCpuPercent: 0,
                }),
        );
        expect(error).toBeInstanceOf(InvalidArgsError);
        const problems = (error as InvalidArgsError).problems.join("\n");
        for (const text of [
            "port: expected an integer from 1 to 65535 (got 0)",
            "shop-url",
            "both plain and secret: SHOP_DATABASE_PASSWORD",
            "PORT comes from port",
            "targetCpuPercent",
        ])
            expect(problems).toContain(text);
        expect(registered).toEqual([]);
    });
});
