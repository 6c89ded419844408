/**
 * Free loopback ports for the servers that the tests and the lab start. A server binds its port
 * seconds after the port was chosen (a JVM, a PostgreSQL, a shop process), and two kinds of program
 * could take it in between:
 * - any connection on the machine: the kernel gives each outgoing connection a local port from its
 *   ephemeral range (net.ipv4.ip_local_port_range), and a run makes thousands of connections. So the
 *   ports are chosen below that range, where the kernel never picks one by itself.
 * - another process of the run choosing the same port (the suites run in several workers, the lab in
 *   a process of its own). So each port chosen is reserved on the machine: a file named by the port,
 *   holding the choosing process's id, until that process exits. A file whose process is gone is
 *   taken over.
 * A port is then also tried (bound and let go), as a program outside the run may be listening on it.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

/** Where the reservations are: one folder for every process of this user on the machine. */
export const reservationsDir = path.join(os.tmpdir(), `shop-evolution-ports-${process.getuid?.() ?? "user"}`);

/** The lowest port chosen: above the ports that well-known services listen on. */
const lowest = 10_000;

/**
 * The ports to choose from: below the kernel's ephemeral range, or above it when there is little room below;
 * without /proc (not Linux), below 32768, where both Linux's and macOS's ranges begin.
 */
export function choosablePorts(rangeFile = "/proc/sys/net/ipv4/ip_local_port_range"): { from: number; to: number } {
    let low = 32_768;
    let high = 65_535;
    try {
        [low, high] = fs.readFileSync(rangeFile, "utf8").trim().split(/\s+/).map(Number);
    } catch {
        // Not Linux: the defaults above.
    }
    return low - lowest >= 1_000 ? { from: lowest, to: low - 1 } : { from: high + 1, to: 65_535 };
}

/** The reservation files this process made, removed as it exits. */
const reserved = new Set<string>();
process.on("exit", () => {
    for (const file of reserved) fs.rmSync(file, { force: true });
});

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** Whether the reservation `file` is left by a process that is gone (not one being written, nor one removed meanwhile). */
function isStale(file: string): boolean {
    try {
        const holder = Number(fs.readFileSync(file, "utf8"));
        return holder > 0 && !isAlive(holder);
    } catch {
        return false;
    }
}

/**
 * Removes the reservations of processes that are gone, once they are many: a process killed (a Jest worker ends
 * without its exit handlers) leaves its own behind.
 */
function sweep(dir: string): void {
    const files = fs.readdirSync(dir);
    if (files.length < 2_000) return;
    for (const name of files) if (/^\d+$/.test(name) && isStale(path.join(dir, name))) fs.rmSync(path.join(dir, name), { force: true });
}

/** The folder of reservations, made if need be, and refused when another user could write in it. */
function ensureReservationsDir(dir: string): void {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.statSync(dir);
    if ((process.getuid && stat.uid !== process.getuid()) || (stat.mode & 0o022) !== 0)
        throw new Error(`${dir}: the folder of port reservations must be this user's own, writable by nobody else`);
}

/** The folders swept by this process already. */
const swept = new Set<string>();

/** Reserves `port` for this process in `dir`, unless a living process holds it (this one too). */
function reserve(dir: string, port: number): boolean {
    const file = path.join(dir, String(port));
    try {
        fs.writeFileSync(file, String(process.pid), { flag: "wx", mode: 0o600 });
        reserved.add(file);
        return true;
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (!isStale(file)) return false;
    // Taken over by one process only: the one whose rename moved the file away.
    const moved = `${file}.${process.pid}`;
    try {
        fs.renameSync(file, moved);
    } catch {
        return false;
    }
    fs.rmSync(moved, { force: true });
    return reserve(dir, port);
}

function release(dir: string, port: number): void {
    const file = path.join(dir, String(port));
    fs.rmSync(file, { force: true });
    reserved.delete(file);
}

/** Whether `port` can be bound on loopback now. */
function canBind(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

export async function freePort(): Promise<number> {
    return (await freePorts(1))[0];
}

/**
 * `count` different free loopback ports, reserved for this process: none is handed out again while it runs. Its
 * tests choose among other ports (`range`) and keep the reservations elsewhere (`dir`).
 */
export async function freePorts(count: number, { range = choosablePorts(), dir = reservationsDir } = {}): Promise<number[]> {
    ensureReservationsDir(dir);
    if (!swept.has(dir)) {
        sweep(dir);
        swept.add(dir);
    }
    const { from, to } = range;
    const ports: number[] = [];
    for (let tries = 0; ports.length < count; tries++) {
        if (tries > 10_000) throw new Error(`no free loopback port among ${from}-${to} after ${tries} tries (reservations in ${dir})`);
        const port = from + Math.floor(Math.random() * (to - from + 1));
        if (!reserve(dir, port)) continue;
        if (await canBind(port)) ports.push(port);
        else release(dir, port);
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
