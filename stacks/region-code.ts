/**
 * A region's short code ("us-east-1" -> "use1", "ap-southeast-2" -> "apse2"), for names
 * that AWS caps short (load balancers, target groups) and that must still differ by region.
 */
export function regionCode(region: string): string {
    const [area, direction, number] = region.split("-");
    const directions: Record<string, string> = {
        east: "e",
        west: "w",
        north: "n",
        south: "s",
        central: "c",
        northeast: "ne",
        northwest: "nw",
        southeast: "se",
        southwest: "sw",
    };
    return `${area}${directions[direction] ?? direction.slice(0, 2)}${number}`;
}
