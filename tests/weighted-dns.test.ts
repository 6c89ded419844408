import { InvalidArgsError } from "../components/validation";
import { WeightedDns, WeightedDnsArgs } from "../components/edge/weighted-dns";
import { refusal, run } from "./harness";

const RECORD = "aws:route53/record:Record";
const CHECK = "aws:route53/healthCheck:HealthCheck";
const args: WeightedDnsArgs = {
    hostedZone: { zoneId: "Z123" },
    recordName: "shop.example.com",
    targets: [
        { region: "us-east-1", dnsName: "shop-use1.elb.amazonaws.com", zoneId: "Z35SXDOTRQ7X7K", weight: 200 },
        { region: "eu-west-1", dnsName: "shop-euw1.elb.amazonaws.com", zoneId: "Z32O12XQLNTSW2", weight: 55 },
    ],
};

describe("WeightedDns", () => {
    it("gives each region a weighted alias record, its set identifier the region, evaluating target health", async () => {
        const r = await run(() => void new WeightedDns("shop", args));
        expect(r.ofType(RECORD).map((rec) => rec.inputs)).toEqual([
            expect.objectContaining({
                zoneId: "Z123",
                name: "shop.example.com",
                type: "A",
                setIdentifier: "us-east-1",
                healthCheckId: "shop-us-east-1-id",
                weightedRoutingPolicies: [{ weight: 200 }],
                aliases: [{ name: "shop-use1.elb.amazonaws.com", zoneId: "Z35SXDOTRQ7X7K", evaluateTargetHealth: true }],
            }),
            expect.objectContaining({ setIdentifier: "eu-west-1", weightedRoutingPolicies: [{ weight: 55 }], healthCheckId: "shop-eu-west-1-id" }),
        ]);
    });

    it("checks each region's /healthz over HTTPS", async () => {
        const r = await run(() => void new WeightedDns("shop", args));
        expect(r.ofType(CHECK).map((c) => c.inputs)).toEqual([
            expect.objectContaining({
                type: "HTTPS",
                fqdn: "shop-use1.elb.amazonaws.com",
                port: 443,
                resourcePath: "/healthz",
                enableSni: true,
                failureThreshold: 3,
            }),
            expect.objectContaining({ type: "HTTPS", fqdn: "shop-euw1.elb.amazonaws.com", port: 443, resourcePath: "/healthz" }),
        ]);
        const http = await run(() => void new WeightedDns("shop", { ...args, healthCheckProtocol: "http" }));
        expect(http.ofType(CHECK).map((c) => [c.inputs.type, c.inputs.port])).toEqual([
            ["HTTP", 80],
            ["HTTP", 80],
        ]);
    });

    it("fails over from the first region to the second in failover mode", async () => {
        const r = await run(() => void new WeightedDns("shop", { ...args, mode: "failover" }));
        expect(r.ofType(RECORD).map((rec) => rec.inputs.failoverRoutingPolicies)).toEqual([[{ type: "PRIMARY" }], [{ type: "SECONDARY" }]]);
        expect(r.ofType(RECORD).every((rec) => rec.inputs.weightedRoutingPolicies === undefined)).toBe(true);
    });

    it("keeps a region's record names when another region is added", async () => {
        const before = await run(() => void new WeightedDns("shop", { ...args, targets: [args.targets[1]] }));
        const after = await run(() => void new WeightedDns("shop", args));
        expect(after.ofType(RECORD).map((rec) => rec.urn)).toEqual(expect.arrayContaining(before.ofType(RECORD).map((rec) => rec.urn)));
    });

    it("creates the zone when asked, and keeps it when the stack is destroyed", async () => {
        const r = await run(() => void new WeightedDns("shop", { ...args, hostedZone: { create: "example.com" } }));
        expect(r.one("aws:route53/zone:Zone", "shop")).toMatchObject({ retainOnDelete: true, inputs: expect.objectContaining({ name: "example.com" }) });
        expect(r.ofType(RECORD).map((rec) => rec.inputs.zoneId)).toEqual(["Z-shop", "Z-shop"]);
    });

    it("refuses bad arguments, naming each, before registering anything", async () => {
        const { error, registered } = await refusal(
            () =>
                new WeightedDns("shop", {
                    hostedZone: { lookup: "example.com" },
                    recordName: "shop.example.org",
                    targets: [
                        { region: "us-east-1", dnsName: "a", zoneId: "z", weight: 0 },
                        { region: "us-east-1", dnsName: "b", zoneId: "z", weight: 0 },
                        { region: "mars-1", dnsName: "", zoneId: "z", weight: 300 },
                    ],
                }),
        );
        expect(error).toBeInstanceOf(InvalidArgsError);
        const problems = (error as InvalidArgsError).problems.join("\n");
        for (const text of [
            "regions must be unique (repeated: us-east-1)",
            "not inside the zone example.com",
            '"mars-1" is not an AWS region',
            "targets.mars-1.weight must be an integer from 0 to 255",
            "targets.mars-1 needs the load balancer's dnsName",
        ]) {
            expect(problems).toContain(text);
        }
        const allZero = await refusal(() => new WeightedDns("shop", { ...args, targets: args.targets.map((t) => ({ ...t, weight: 0 })) }));
        expect((allZero.error as InvalidArgsError).problems).toEqual(["at least one weight must be above 0, or no region gets traffic"]);
        expect(registered).toEqual([]);
    });
});
