/**
 * The loopback ports the test servers are started on. A shop is given two (PORT and
 * SHOP_METRICS_PORT) by two calls in a row; the kernel may offer a port again as soon as its
 * probe socket closes, and a repeat stops the shop at its configuration check. A server binds its
 * port seconds after the choice, and meanwhile neither an outgoing connection (the kernel's
 * ephemeral ports) nor another process of the run may take it.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { choosablePorts, defaultNamespace, freePort, freePorts } from "../tools/servers/ports";

/**
 * A node script that reserves `ports` under `namespace` as ports.ts does (a socket in the abstract namespace), says
 * "holding" or why not, then holds them until it is killed, or exits at once (`exit`).
 */
const holding = (namespace: string, ports: number[], { exit = false } = {}) => `
    const net = require("node:net");
    Promise.all(${JSON.stringify(ports)}.map((port) => new Promise((resolve, reject) =>
        net.createServer().once("error", reject).listen({ path: "\\0" + ${JSON.stringify(namespace)} + "-" + port }, resolve))))
        .then(() => console.log("holding"), (err) => console.log(err.code))
        .then(() => ${exit} && process.exit(0));
    ${exit ? "" : "setTimeout(() => undefined, 600_000);"}`;
/** Whether another process can reserve `ports` under `namespace`: what it says. */
const otherProcessReserving = (namespace: string, ports: number[]) =>
    spawnSync(process.execPath, ["-e", holding(namespace, ports, { exit: true })], { encoding: "utf8", timeout: 10_000 }).stdout.trim();

/** The first of ten consecutive ports that are free and reserved for this process, so that only a test's own namespace decides. */
async function tenPorts(): Promise<number> {
    for (;;) {
        const [from] = await freePorts(1);
        try {
            await freePorts(9, { range: { from: from + 1, to: from + 9 } });
            return from;
        } catch {
            // One of them is in use: another ten.
        }
    }
}

describe("free loopback ports", () => {
    it("never hands out a port twice in one process, over hundreds of calls one after another", async () => {
        const ports: number[] = [];
        for (let call = 0; call < 300; call++) ports.push(await freePort());
        ports.push(...(await freePorts(50)));
        expect(new Set(ports).size).toBe(ports.length);
        expect(ports.every((port) => port > 0 && port < 65_536)).toBe(true);
    });

    it("chooses below the kernel's ephemeral ports, where no connection takes one, and no other process can reserve a port chosen", async () => {
        const [low] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
        const ports = await freePorts(5);
        expect(ports.filter((port) => port < 10_000 || port >= low)).toEqual([]);
        expect(otherProcessReserving(defaultNamespace, ports.slice(0, 1))).toBe("EADDRINUSE");
        expect(otherProcessReserving(`ports-test-${process.pid}-free`, ports.slice(0, 1))).toBe("holding");
    });

    it("chooses on the side of the ephemeral ports with more room, and leaves it to the kernel when neither has a thousand", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "port-range-"));
        const rangeFile = (text: string) => {
            fs.writeFileSync(path.join(dir, "range"), text);
            return path.join(dir, "range");
        };
        try {
            expect(choosablePorts(rangeFile("32768\t60999\n"))).toEqual({ from: 10_000, to: 32_767 });
            expect(choosablePorts(rangeFile("1024 50000\n"))).toEqual({ from: 50_001, to: 65_535 });
            expect(choosablePorts(rangeFile("1024 65535\n"))).toBeUndefined();
            // Not a range: the defaults, as without /proc.
            expect(choosablePorts(rangeFile("none\n"))).toEqual({ from: 10_000, to: 32_767 });
            expect(choosablePorts(path.join(dir, "missing"))).toEqual({ from: 10_000, to: 32_767 });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("takes the kernel's choice when there is no range to choose from, reserved all the same", async () => {
        const namespace = `ports-test-${process.pid}-kernel`;
        const ports = await freePorts(3, { range: null, namespace });
        expect(new Set(ports).size).toBe(3);
        expect(otherProcessReserving(namespace, ports.slice(0, 1))).toBe("EADDRINUSE");
    });

    it("leaves the ports of living processes alone, and takes those of processes that ended, however they ended", async () => {
        const namespace = `ports-test-${process.pid}-${Date.now()}`;
        const from = await tenPorts();
        const range = { from, to: from + 9 };
        // The first four held by a process that lives on, two by one killed.
        const living = spawn(process.execPath, ["-e", holding(namespace, [from, from + 1, from + 2, from + 3])], { stdio: ["ignore", "pipe", "inherit"] });
        const killed = spawn(process.execPath, ["-e", holding(namespace, [from + 4, from + 5])], { stdio: ["ignore", "pipe", "inherit"] });
        try {
            const said = (child: typeof living) => new Promise((resolve) => child.stdout!.once("data", (data) => resolve(String(data).trim())));
            expect(await Promise.all([said(living), said(killed)])).toEqual(["holding", "holding"]);
            killed.kill("SIGKILL");
            await new Promise((resolve) => killed.once("exit", resolve));
            const ports = await freePorts(6, { range, namespace });
            expect(ports.sort((a, b) => a - b)).toEqual(Array.from({ length: 6 }, (_, i) => from + 4 + i));
            // Nothing left among them: the call says so instead of waiting.
            await expect(freePorts(1, { range, namespace })).rejects.toThrow(
                `no free loopback port among ${from}-${from + 9} after 10000 tries (reserved under ${namespace})`,
            );
        } finally {
            living.kill("SIGKILL");
        }
    });
});
