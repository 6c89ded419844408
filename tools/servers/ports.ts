/** A free TCP port on loopback, found by binding port 0; for servers the tests start. */
import * as net from "node:net";

/**
 * Every port this process has handed out. The kernel may give a port back as soon as its probe socket
 * closes, so two calls in a row (a shop's PORT, then its SHOP_METRICS_PORT) could otherwise get the same
 * one; a port handed out once is never handed out again by this process.
 */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
    return (await freePorts(1))[0];
}

/** `count` different free loopback ports, none handed out before by this process. */
export async function freePorts(count: number): Promise<number[]> {
    const held: net.Server[] = [];
    const ports: number[] = [];
    try {
        while (ports.length < count) {
            // Held open until all are found, so the kernel cannot offer the same port twice in one call.
            const server = net.createServer();
            held.push(server);
            await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
            const { port } = server.address() as net.AddressInfo;
            if (!handedOut.has(port)) ports.push(port);
        }
    } finally {
        await Promise.all(held.map((server) => new Promise((resolve) => (server.listening ? server.close(resolve) : resolve(undefined)))));
    }
    for (const port of ports) handedOut.add(port);
    return ports;
}

/** Whether something accepts TCP connections on a loopback port. */
export function acceptsConnections(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("connect", () => {
            socket.destroy();
            resolve(true);
        });
        socket.once("error", () => resolve(false));
    });
}
