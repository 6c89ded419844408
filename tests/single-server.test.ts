import { spawnSync } from "node:child_process";
import { SingleServer, SingleServerArgs } from "../components/compute/single-server";
import { renderServerUserData } from "../components/compute/server-user-data";
import { InvalidArgsError } from "../components/validation";
import { refusal, run } from "./harness";

const args: SingleServerArgs = { vpcId: "vpc-1", subnetId: "subnet-1", availabilityZone: "us-east-1a", image: "ghcr.io/acme/shop:1.0" };
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

function bashSyntaxErrors(script: string): string {
    const check = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
    return check.status === 0 ? "" : check.stderr;
}

describe("SingleServer", () => {
    it("requires IMDSv2, encrypts the root volume and gets an Elastic IP", async () => {
        const r = await run(() => void new SingleServer("web", args));
        const instance = r.one("aws:ec2/instance:Instance", "web").inputs;
        expect(instance.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
        expect(instance.rootBlockDevice).toMatchObject({ encrypted: true, volumeType: "gp3" });
        expect(instance.subnetId).toBe("subnet-1");
        expect(instance.keyName).toBeUndefined();
        expect(r.one("aws:ec2/eip:Eip", "web").inputs).toMatchObject({ domain: "vpc", instance: "web-id" });
    });

    it("opens only 80 and 443 to the world, and nothing else in", async () => {
        const r = await run(() => void new SingleServer("web", args));
        const ingress = r.ofType(INGRESS).map((rule) => rule.inputs);
        expect(ingress).toHaveLength(4);
        for (const rule of ingress) {
            expect([80, 443]).toContain(rule.fromPort);
            expect(rule.toPort).toBe(rule.fromPort);
            expect(rule.ipProtocol).toBe("tcp");
            expect(rule.securityGroupId).toBe("web-id");
        }
        expect(new Set(ingress.map((rule) => rule.fromPort))).toEqual(new Set([80, 443]));
        expect(
            r
                .ofType(EGRESS)
                .map((rule) => rule.inputs.fromPort)
                .sort(),
        ).toEqual([443, 80]);
        expect(r.one("aws:ec2/securityGroup:SecurityGroup", "web").inputs.ingress ?? []).toEqual([]);
    });

    it("is administered through SSM, with a role that can pull images and write only its own logs", async () => {
        const r = await run(() => void new SingleServer("web", args));
        const policies = r.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn);
        expect(policies.sort()).toEqual(["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
        const logs = JSON.parse(r.one("aws:iam/rolePolicy:RolePolicy", "web-logs").inputs.policy as string);
        expect(logs.Statement[0].Resource).toMatch(/LogGroup\/web:\*$/);
        expect(r.one("aws:ec2/instance:Instance", "web").inputs.iamInstanceProfile).toBe("web");
    });

    it("keeps PostgreSQL's files on an encrypted volume in the server's zone, protected when it is production data", async () => {
        const dev = await run(() => void new SingleServer("web", args));
        const volume = dev.one("aws:ebs/volume:Volume", "web-data");
        expect(volume.inputs).toMatchObject({ encrypted: true, availabilityZone: "us-east-1a", size: 20, type: "gp3" });
        expect(volume.protect).toBe(false);
        expect(dev.one("aws:ec2/volumeAttachment:VolumeAttachment", "web-data").inputs).toMatchObject({
            instanceId: "web-id",
            volumeId: "web-data-id",
            stopInstanceBeforeDetaching: true,
        });
        const prod = await run(() => void new SingleServer("web", { ...args, protectData: true, dataVolumeGiB: 200 }));
        const prodVolume = prod.one("aws:ebs/volume:Volume", "web-data");
        expect(prodVolume).toMatchObject({ protect: true, retainOnDelete: true });
        expect(prodVolume.inputs.size).toBe(200);
    });

    it("boots the shop and PostgreSQL from a script that bash accepts", async () => {
        const r = await run(() => void new SingleServer("web", args));
        const userData = r.one("aws:ec2/instance:Instance", "web").inputs.userData as string;
        expect(bashSyntaxErrors(userData)).toBe("");
        expect(userData).toContain("data volume web-data-id was never attached");
        expect(userData).toContain("awslogs-group=web ");
        expect(userData).toContain("ghcr.io/acme/shop:1.0");
        expect(userData).toContain("-p 80:8080");
        expect(userData).toContain("SHOP_DATABASE_URL=postgres://shop@shop-db:5432/shop");
        expect(userData).not.toContain("caddy");
    });

    it("serves HTTPS through Caddy when it has a domain", () => {
        const script = renderServerUserData({
            image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:abc",
            containerPort: 8080,
            region: "us-east-1",
            logGroupName: "web",
            dataVolumeId: "vol-0123",
            domain: "shop.example.com",
        });
        expect(bashSyntaxErrors(script)).toBe("");
        expect(script).toContain("caddy reverse-proxy --from shop.example.com --to shop:8080");
        expect(script).toContain("-p 80:80 -p 443:443");
        expect(script).not.toContain("-p 80:8080");
        expect(script).toContain("docker login --username AWS --password-stdin '123456789012.dkr.ecr.us-east-1.amazonaws.com'");
        expect(script).toContain("nvme-Amazon_Elastic_Block_Store_vol0123");
    });

    it("refuses values that could break out of the boot script", () => {
        expect(() =>
            renderServerUserData({ image: "shop; rm -rf /", containerPort: 8080, region: "us-east-1", logGroupName: "g", dataVolumeId: "vol-1" }),
        ).toThrow("image");
    });

    it("refuses bad arguments, naming each, before registering anything", async () => {
        const { error, registered } = await refusal(
            () => new SingleServer("web", { ...args, image: "a b", containerPort: 0, dataVolumeGiB: 5, domain: "Not A Domain" }),
        );
        expect(error).toBeInstanceOf(InvalidArgsError);
        const problems = (error as InvalidArgsError).problems.join("\n");
        for (const field of ["image", "containerPort", "dataVolumeGiB", "domain"]) expect(problems).toContain(field);
        expect(registered).toEqual([]);
    });
});
