/**
 * The loopback ports the test servers are started on. A shop is given two (PORT and
 * SHOP_METRICS_PORT) by two calls in a row; the kernel may offer a port again as soon as its
 * probe socket closes, and a repeat stops the shop at its configuration check. A server binds its
 * port seconds after the choice, and meanwhile neither an outgoing connection (the kernel's
 * ephemeral ports) nor another process of the run may take it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { choosablePorts, freePort, freePorts, reservationsDir } from "../tools/servers/ports";

/** The first of ten consecutive ports that are free and reserved for this process. */
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

    it("chooses below the kernel's ephemeral ports, where no connection takes one, and reserves each for this process", async () => {
        const [low] = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
        const ports = await freePorts(20);
        expect(ports.filter((port) => port < 10_000 || port >= low)).toEqual([]);
        expect(ports.map((port) => fs.readFileSync(path.join(reservationsDir, String(port)), "utf8"))).toEqual(Array(20).fill(String(process.pid)));
    });

    it("chooses above the ephemeral ports when there is little room below them, and below 32768 without /proc", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "port-range-"));
        const rangeFile = (text: string) => {
            fs.writeFileSync(path.join(dir, "range"), text);
            return path.join(dir, "range");
        };
        try {
            expect(choosablePorts(rangeFile("32768\t60999\n"))).toEqual({ from: 10_000, to: 32_767 });
            expect(choosablePorts(rangeFile("1024 50000\n"))).toEqual({ from: 50_001, to: 65_535 });
            expect(choosablePorts(path.join(dir, "none"))).toEqual({ from: 10_000, to: 32_767 });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    describe("reserved on the machine", () => {
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "port-reservations-"));
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("leaves the ports of living processes alone and takes over those of processes that are gone", async () => {
            const gone = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
            const gonePid = gone.stdout.trim();
            // Ten ports together, free and reserved for this process on the machine (so that only this test's own
            // reservations decide); the first four held there by a living process (this one's parent), two by one gone.
            const from = await tenPorts();
            const range = { from, to: from + 9 };
            for (let port = from; port < from + 4; port++) fs.writeFileSync(path.join(dir, String(port)), String(process.ppid));
            for (let port = from + 4; port < from + 6; port++) fs.writeFileSync(path.join(dir, String(port)), gonePid);
            const ports = await freePorts(6, { range, dir });
            expect(ports.sort((a, b) => a - b)).toEqual(Array.from({ length: 6 }, (_, i) => from + 4 + i));
            expect(ports.map((port) => fs.readFileSync(path.join(dir, String(port)), "utf8"))).toEqual(Array(6).fill(String(process.pid)));
            // Nothing left among them: the next call says so instead of waiting.
            await expect(freePorts(1, { range, dir })).rejects.toThrow(
                `no free loopback port among ${from}-${from + 9} after 10001 tries (reservations in ${dir})`,
            );
        });

        it("refuses a folder of reservations that another user could write in", async () => {
            fs.chmodSync(dir, 0o777);
            await expect(freePorts(1, { dir })).rejects.toThrow(`${dir}: the folder of port reservations must be this user's own, writable by nobody else`);
        });
    });
});
