import { openSearchVersion, SearchDomain, SearchDomainArgs, searchTlsPolicy } from "../components/data/search-domain";
import { InvalidArgsError } from "../components/validation";
import { refusal, run } from "./harness";

const DOMAIN = "aws:opensearch/domain:Domain";
const args: SearchDomainArgs = {
    vpcId: "vpc-1",
    subnetIds: ["s-1", "s-2"],
    allowedSecurityGroups: { app: "sg-app" },
    accessRoleArns: ["arn:aws:iam::123456789012:role/shop"],
};

describe("SearchDomain", () => {
    it("encrypts at rest and between nodes, enforces HTTPS with TLS 1.2+, and sits in the VPC behind its own group", async () => {
        const r = await run(() => void new SearchDomain("search", args));
        expect(r.one(DOMAIN, "search").inputs).toMatchObject({
            engineVersion: openSearchVersion,
            encryptAtRest: { enabled: true },
            nodeToNodeEncryption: { enabled: true },
            domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: searchTlsPolicy },
            vpcOptions: { subnetIds: ["s-1", "s-2"], securityGroupIds: ["search-id"] },
            ebsOptions: { ebsEnabled: true, volumeType: "gp3", volumeSize: 20 },
            autoTuneOptions: { desiredState: "ENABLED" },
        });
        expect(r.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((rule) => rule.inputs)).toEqual([
            expect.objectContaining({ referencedSecurityGroupId: "sg-app", fromPort: 443, toPort: 443 }),
        ]);
    });

    it("spreads data nodes over the zones of its subnets", async () => {
        const r = await run(() => void new SearchDomain("search", { ...args, subnetIds: ["a", "b", "c"], instanceCount: 6 }));
        expect(r.one(DOMAIN, "search").inputs.clusterConfig).toMatchObject({
            instanceCount: 6,
            zoneAwarenessEnabled: true,
            zoneAwarenessConfig: { availabilityZoneCount: 3 },
            dedicatedMasterEnabled: false,
        });
    });

    it("uses fine-grained access control with the master user in Secrets Manager, and admits only the named roles", async () => {
        const r = await run(() => void new SearchDomain("search", args));
        expect(r.one(DOMAIN, "search").inputs.advancedSecurityOptions).toMatchObject({
            enabled: true,
            anonymousAuthEnabled: false,
            internalUserDatabaseEnabled: true,
            masterUserOptions: { masterUserName: "shop_search_admin", masterUserPassword: "[secret]" },
        });
        expect(r.one("aws:secretsmanager/secretVersion:SecretVersion", "search-master").inputs.secretString).toBe("[secret]");
        const policy = JSON.parse(r.one("aws:opensearch/domainPolicy:DomainPolicy", "search").inputs.accessPolicies as string);
        expect(policy.Statement).toHaveLength(1);
        expect(policy.Statement[0].Principal).toEqual({ AWS: ["arn:aws:iam::123456789012:role/shop"] });
        expect(policy.Statement[0].Resource).toMatch(/search\/\*$/);
    });

    it("without roles, leaves authentication to fine-grained access control behind an open policy, and admits peered ranges", async () => {
        const r = await run(() => void new SearchDomain("search", { ...args, accessRoleArns: undefined, allowedCidrs: { "eu-west-1": "10.1.0.0/16" } }));
        const policy = JSON.parse(r.one("aws:opensearch/domainPolicy:DomainPolicy", "search").inputs.accessPolicies as string);
        expect(policy.Statement[0].Principal).toEqual({ AWS: "*" });
        expect(r.one(DOMAIN, "search").inputs.advancedSecurityOptions).toMatchObject({ enabled: true, anonymousAuthEnabled: false });
        expect(r.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "search-from-eu-west-1").inputs).toMatchObject({
            cidrIpv4: "10.1.0.0/16",
            fromPort: 443,
        });
    });

    it("publishes slow and error logs to CloudWatch, with a resource policy for the service", async () => {
        const r = await run(() => void new SearchDomain("search", args));
        const options = r.one(DOMAIN, "search").inputs.logPublishingOptions as { logType: string; enabled: boolean }[];
        expect(options.map((o) => o.logType).sort()).toEqual(["ES_APPLICATION_LOGS", "INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS"]);
        expect(options.every((o) => o.enabled)).toBe(true);
        const logPolicy = JSON.parse(r.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "search-logs").inputs.policyDocument as string);
        expect(logPolicy.Statement[0].Principal).toEqual({ Service: "es.amazonaws.com" });
        expect(logPolicy.Statement[0].Resource).toHaveLength(3);
    });

    it("adds three dedicated masters and protection in production", async () => {
        const r = await run(() => void new SearchDomain("search", { ...args, production: true }));
        const domain = r.one(DOMAIN, "search");
        expect(domain.protect).toBe(true);
        expect(domain.inputs.clusterConfig).toMatchObject({ dedicatedMasterEnabled: true, dedicatedMasterCount: 3, dedicatedMasterType: "m7g.large.search" });
    });

    it("makes the account's service-linked role before the domain only when asked (a fresh account lacks it; creating it again fails)", async () => {
        const asked = await run(() => void new SearchDomain("search", { ...args, createServiceLinkedRole: true }));
        const role = asked.one("aws:iam/serviceLinkedRole:ServiceLinkedRole", "search-service");
        expect(role.inputs.awsServiceName).toBe("opensearchservice.amazonaws.com");
        expect(asked.one(DOMAIN, "search").dependsOn).toContain(role.urn);
        const not = await run(() => void new SearchDomain("search", args));
        expect(not.ofType("aws:iam/serviceLinkedRole:ServiceLinkedRole")).toEqual([]);
    });

    it("refuses bad arguments, naming each, before registering anything", async () => {
        const { error, registered } = await refusal(
            () =>
                new SearchDomain("Search_Domain", {
                    ...args,
                    subnetIds: ["a", "b", "c"],
                    instanceCount: 4,
                    instanceType: "r7g.large",
                    accessRoleArns: [],
                    allowedSecurityGroups: {},
                }),
        );
        expect(error).toBeInstanceOf(InvalidArgsError);
        const problems = (error as InvalidArgsError).problems;
        for (const text of [
            "the name must be",
            "instanceCount (4) must divide evenly over the 3 zones",
            "instanceType",
            "accessRoleArns",
            "allowedSecurityGroups",
        ]) {
            expect(problems.some((p) => p.includes(text))).toBe(true);
        }
        expect(problems).toHaveLength(5);
        expect(registered).toEqual([]);
        const tooManyZones = await refusal(() => new SearchDomain("search", { ...args, subnetIds: ["a", "b", "c", "d"] }));
        expect((tooManyZones.error as InvalidArgsError).problems).toEqual([expect.stringContaining("one subnet per zone, 1 to 3 (got 4)")]);
    });
});
