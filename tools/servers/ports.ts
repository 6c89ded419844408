/**
 * Free loopback ports for the servers that the tests and the lab start. A server binds its port
 * seconds after the port was chosen (a JVM, a PostgreSQL, a shop process), and two kinds of program
 * could take it in between:
 * - any connection on the machine: the kernel gives each outgoing connection a local port from its
 *   ephemeral range (net.ipv4.ip_local_port_range), and a run makes thousands of connections. So the
 *   ports are chosen below that range (or above it), where the kernel never picks one by itself.
 * - another process of the run choosing the same port (the suites run in several workers, the lab in
 *   a process of its own). So on Linux each port chosen is reserved for as long as the choosing
 *   process lives, by a socket listening in the abstract namespace under a name made of the port: the
 *   kernel refuses a second socket of that name, and frees it when the process ends, however it ends.
 *   Elsewhere a port is only never handed out twice by one process.
 * A port is then also tried (bound and let go), as a program outside the run may be listening on it.
 */
import * as fs from "node:fs";
import * as net from "node:net";

/** The ports to choose from, when there are enough of them outside the ephemeral range. */
export interface PortRange {
    from: number;
    to: number;
}

/** The lowest port chosen: above the ports that well-known services listen on. */
const lowest = 10_000;
/** The fewest ports worth choosing among: fewer, and the kernel chooses (port 0) as it would for anyone. */
const fewest = 1_000;

/**
 * The ports to choose from: below the kernel's ephemeral range, or above it when there is more room there;
 * none (the kernel's choice) when neither side has a thousand; without /proc (not Linux), below 32768,
 * where both Linux's and macOS's ranges begin.
 */
export function choosablePorts(rangeFile = "/proc/sys/net/ipv4/ip_local_port_range"): PortRange | undefined {
    let low = 32_768;
    let high = 65_535;
    try {
        const [first, last] = fs.readFileSync(rangeFile, "utf8").trim().split(/\s+/).map(Number);
        if (Number.isInteger(first) && Number.isInteger(last) && 0 < first && first <= last && last <= 65_535) [low, high] = [first, last];
    } catch {
        // Not Linux: the defaults above.
    }
    const below = { from: lowest, to: low - 1 };
    const above = { from: high + 1, to: 65_535 };
    const [larger] = [below, above].sort((a, b) => b.to - b.from - (a.to - a.from));
    return larger.to - larger.from + 1 >= fewest ? larger : undefined;
}

/** This machine's choosable ports, read once a process (undefined: not read yet; null: the kernel's choice). */
let systemRange: PortRange | null | undefined;

/** The abstract namespace's names of this user's reservations (another user's processes choose by names of their own). */
export const defaultNamespace = `shop-evolution-port-${process.getuid?.() ?? "user"}`;

/** The reservations this module made, by name: each a socket, unreferenced (it keeps no process alive), on Linux. */
const held = new Map<string, net.Server | undefined>();

/** Reserves `port` under `namespace` for this process, unless a living process holds it (this one too). */
function reserve(port: number, namespace: string): Promise<boolean> {
    const name = `${namespace}-${port}`;
    if (held.has(name)) return Promise.resolve(false);
    if (process.platform !== "linux") {
        held.set(name, undefined);
        return Promise.resolve(true);
    }
    return new Promise((resolve) => {
        const socket = net.createServer();
        socket.once("error", () => resolve(false));
        socket.listen({ path: `\0${name}` }, () => {
            socket.unref();
            held.set(name, socket);
            resolve(true);
        });
    });
}

function release(port: number, namespace: string): void {
    const name = `${namespace}-${port}`;
    held.get(name)?.close();
    held.delete(name);
}

/** Binds `port` (0: the kernel's choice) on loopback and lets it go: the port bound, or undefined when it is in use. */
function tryBind(port: number): Promise<number | undefined> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(undefined));
        server.listen(port, "127.0.0.1", () => {
            const bound = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(bound));
        });
    });
}

export async function freePort(): Promise<number> {
    return (await freePorts(1))[0];
}

/**
 * `count` different free loopback ports, reserved for this process: none is handed out again while it runs. Its
 * tests choose among other ports (`range`; null: the kernel's choice) under names of their own (`namespace`).
 */
export async function freePorts(
    count: number,
    { range = (systemRange ??= choosablePorts() ?? null), namespace = defaultNamespace }: { range?: PortRange | null; namespace?: string } = {},
): Promise<number[]> {
    const ports: number[] = [];
    for (let tries = 0; ports.length < count; tries++) {
        if (tries >= 10_000)
            throw new Error(`no free loopback port${range ? ` among ${range.from}-${range.to}` : ""} after ${tries} tries (reserved under ${namespace})`);
        const candidate = range ? range.from + Math.floor(Math.random() * (range.to - range.from + 1)) : await tryBind(0);
        if (candidate === undefined || !(await reserve(candidate, namespace))) continue;
        if ((await tryBind(candidate)) === candidate) ports.push(candidate);
        else release(candidate, namespace);
    }
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
