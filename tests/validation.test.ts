import { awsRegion, cidrBlock, instanceType, intRange, Problems, refused } from "../components/validation";
import { ConfigError, parseStackConfig } from "../stacks/config";

const problemsOf = (raw: Record<string, string>): string[] => {
    try {
        parseStackConfig({ "aws:region": "us-east-1", "shop-evolution:stage": "14", "shop-evolution:environment": "dev", ...raw });
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
    throw new Error("expected the config to be refused");
};

describe("the validation vocabulary", () => {
    it("accepts what AWS names and refuses the rest", () => {
        expect(["us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-3"].every(awsRegion.accepts)).toBe(true);
        expect(["mars", "US-EAST-1", "us-east", "useast-1"].some(awsRegion.accepts)).toBe(false);
        expect(["t3.small", "m7i-flex.large", "r6g.2xlarge"].every(instanceType("t3.small").accepts)).toBe(true);
        expect(["t3", "db.r6g.large.x", "T3.small"].some(instanceType("t3.small").accepts)).toBe(false);
        expect([0, 4, 2.5, 5].map(intRange(1, 4).accepts)).toEqual([false, true, false, false]);
        const cidr = cidrBlock();
        expect(["10.0.0.0/16", "0.0.0.0/0", "198.51.100.7/32"].every(cidr.accepts)).toBe(true);
        expect(["300.1.1.1/8", "10.0.0.0/33", "10.0.0.0", "10.0.0/8"].some(cidr.accepts)).toBe(false);
        expect(["10.0.0.0/15", "10.0.0.0/21"].some(cidrBlock(16, 20).accepts)).toBe(false);
    });

    it("speaks one style in the components and the config: field, what it expects, what it got; every problem named", () => {
        const found = new Problems().expect("vpcCidr", cidrBlock(16, 20), "10.0.0.0/24").expect("azCount", intRange(2, 4), 7);
        expect(() => found.throwIfAny("Vpc", "shop")).toThrow(
            [
                'Vpc "shop" has invalid arguments:',
                '  - vpcCidr: expected an IPv4 CIDR block from /16 to /20 such as 10.0.0.0/16 (got "10.0.0.0/24")',
                "  - azCount: expected an integer from 2 to 4 (got 7)",
            ].join("\n"),
        );
        expect(
            problemsOf({
                "shop-evolution:vpcCidr": "10.0.0.0/24",
                "shop-evolution:sizing": JSON.stringify({ azCount: 7, nodeInstanceType: "huge" }),
                "shop-evolution:clusterApiCidrs": JSON.stringify(["300.1.1.1/8"]),
            }),
        ).toEqual([
            `shop-evolution:sizing.azCount: ${refused("", intRange(2, 4), 7).slice(2)}`,
            `shop-evolution:sizing.nodeInstanceType: ${refused("", instanceType("m7i.large"), "huge").slice(2)}`,
            `shop-evolution:clusterApiCidrs.0: ${refused("", cidrBlock(), "300.1.1.1/8").slice(2)}`,
            `shop-evolution:vpcCidr: ${refused("", cidrBlock(16, 20), "10.0.0.0/24").slice(2)}`,
        ]);
    });
});
