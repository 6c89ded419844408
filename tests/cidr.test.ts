import { cidrsOverlap, cidrSubnet, nextBlock, parseCidr } from "../components/network/cidr";
import { subnetLayout } from "../components/network/vpc";

describe("cidrSubnet", () => {
    it("matches Terraform's cidrsubnet", () => {
        expect(cidrSubnet("10.0.0.0/16", 8, 0)).toBe("10.0.0.0/24");
        expect(cidrSubnet("10.0.0.0/16", 8, 255)).toBe("10.0.255.0/24");
        expect(cidrSubnet("10.0.0.0/16", 3, 1)).toBe("10.0.32.0/19");
        expect(cidrSubnet("172.16.0.0/12", 4, 15)).toBe("172.31.0.0/16");
        expect(cidrSubnet("10.1.2.3/16", 8, 1)).toBe("10.1.1.0/24");
    });

    it("refuses blocks that do not fit", () => {
        expect(() => cidrSubnet("10.0.0.0/16", 3, 8)).toThrow("no block number 8");
        expect(() => cidrSubnet("10.0.0.0/30", 3, 0)).toThrow("no room");
        expect(() => parseCidr("10.0.0.300/16")).toThrow("not an IPv4 CIDR");
    });
});

describe("nextBlock and cidrsOverlap", () => {
    it("gives each region the next block of the same size, none overlapping", () => {
        expect(nextBlock("10.0.0.0/16", 0)).toBe("10.0.0.0/16");
        expect(nextBlock("10.0.0.0/16", 1)).toBe("10.1.0.0/16");
        expect(nextBlock("10.0.16.0/20", 2)).toBe("10.0.48.0/20");
        expect(cidrsOverlap(nextBlock("10.0.0.0/16", 1), "10.0.0.0/16")).toBe(false);
        expect(cidrsOverlap("10.0.0.0/16", "10.0.128.0/20")).toBe(true);
        expect(cidrsOverlap("10.0.0.0/8", "10.200.0.0/16")).toBe(true);
        expect(() => nextBlock("255.255.0.0/16", 1)).toThrow("no block 1");
    });
});

describe("subnetLayout", () => {
    const toRange = (cidr: string) => {
        const { address, prefix } = parseCidr(cidr);
        return [address, address + 2 ** (32 - prefix) - 1];
    };

    it.each([
        ["10.0.0.0/16", 4],
        ["10.20.0.0/20", 3],
        ["192.168.0.0/16", 2],
    ])("lays %s over %i zones without overlap, inside the VPC", (vpc, zones) => {
        const layout = subnetLayout(vpc, zones);
        const all = [...layout.public, ...layout.private, ...layout.isolated];
        expect(all).toHaveLength(3 * zones);
        const [low, high] = toRange(vpc);
        const ranges = all.map(toRange).sort((a, b) => a[0] - b[0]);
        ranges.forEach(([start, end], i) => {
            expect(start).toBeGreaterThanOrEqual(low);
            expect(end).toBeLessThanOrEqual(high);
            if (i > 0) expect(start).toBeGreaterThan(ranges[i - 1][1]);
        });
    });

    it("keeps the first zones' blocks when a zone is added", () => {
        const two = subnetLayout("10.0.0.0/16", 2);
        const three = subnetLayout("10.0.0.0/16", 3);
        expect(three.private.slice(0, 2)).toEqual(two.private);
        expect(three.isolated.slice(0, 2)).toEqual(two.isolated);
        expect(three.public.slice(0, 2)).toEqual(two.public);
    });
});
