/**
 * IPv4 CIDR arithmetic, as Terraform's cidrsubnet(): the `netNum`th block of the
 * prefix length `base + newBits` inside `base`. Used to lay subnets out
 * deterministically, so the same VPC range always yields the same subnets.
 */
export function cidrSubnet(base: string, newBits: number, netNum: number): string {
    const { address, prefix } = parseCidr(base);
    const length = prefix + newBits;
    if (length > 32) throw new Error(`${base} has no room for ${newBits} more bits`);
    if (!Number.isInteger(netNum) || netNum < 0 || netNum >= 2 ** newBits) {
        throw new Error(`${base} split by ${newBits} bits has no block number ${netNum}`);
    }
    const network = (address & prefixMask(prefix)) >>> 0;
    const block = (network + netNum * 2 ** (32 - length)) >>> 0;
    return `${formatAddress(block)}/${length}`;
}

/** True when two CIDR blocks share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
    const [x, y] = [parseCidr(a), parseCidr(b)];
    const mask = prefixMask(Math.min(x.prefix, y.prefix));
    return (x.address & mask) >>> 0 === (y.address & mask) >>> 0;
}

/**
 * The block of the same size `n` blocks after `base` (n = 0 is `base` itself): distinct,
 * non-overlapping ranges for the VPCs of several regions, so that they can be peered.
 */
export function nextBlock(base: string, n: number): string {
    const { address, prefix } = parseCidr(base);
    const size = 2 ** (32 - prefix);
    const network = (address & prefixMask(prefix)) >>> 0;
    const block = network + n * size;
    if (!Number.isInteger(n) || n < 0 || block + size > 2 ** 32) throw new Error(`there is no block ${n} after ${base}`);
    return `${formatAddress(block)}/${prefix}`;
}

export function parseCidr(cidr: string): { address: number; prefix: number } {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    const octets = match ? match.slice(1, 5).map(Number) : [];
    const prefix = match ? Number(match[5]) : NaN;
    if (!match || octets.some((o) => o > 255) || prefix > 32) throw new Error(`not an IPv4 CIDR block: ${cidr}`);
    return { address: octets.reduce((a, o) => a * 256 + o, 0), prefix };
}

function prefixMask(prefix: number): number {
    return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function formatAddress(address: number): string {
    return [24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join(".");
}
