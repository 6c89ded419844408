/**
 * The loopback ports the test servers are started on. A shop is given two (PORT and
 * SHOP_METRICS_PORT) by two calls in a row; the kernel may offer a port again as soon as its
 * probe socket closes, and a repeat stops the shop at its configuration check.
 */
import { freePort, freePorts } from "../tools/servers/ports";

describe("free loopback ports", () => {
    it("never hands out a port twice in one process, over hundreds of calls one after another", async () => {
        const ports: number[] = [];
        for (let call = 0; call < 300; call++) ports.push(await freePort());
        ports.push(...(await freePorts(50)));
        expect(new Set(ports).size).toBe(ports.length);
        expect(ports.every((port) => port > 0 && port < 65_536)).toBe(true);
    });
});
