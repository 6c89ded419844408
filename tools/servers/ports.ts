/** A free TCP port on loopback, found by binding port 0; for servers the tests start. */
import * as net from "node:net";

export async function freePort(): Promise<number> {
    return (await freePorts(1))[0];
}

/** `count` different free loopback ports, held together while they are found so that none is handed out twice. */
export async function freePorts(count: number): Promise<number[]> {
    const servers = Array.from({ length: count }, () => net.createServer());
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))));
    const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
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
