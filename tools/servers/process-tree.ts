/** The processes below a process, from /proc (Linux): for stopping nginx's workers, and for what a set of servers holds in memory. */
import * as fs from "node:fs";

interface ProcessInfo {
    pid: number;
    parent: number;
    state: string;
}

function processes(): ProcessInfo[] {
    const found: ProcessInfo[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            // The command name in parentheses may hold spaces: the fields after it are fixed.
            const [state, parent] = fs.readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1].split(" ");
            found.push({ pid: Number(entry), parent: Number(parent), state });
        } catch {
            // it ended meanwhile
        }
    }
    return found;
}

/** The direct children of `pid`. */
export function childrenOf(pid: number): number[] {
    return processes()
        .filter((p) => p.parent === pid)
        .map((p) => p.pid);
}

/** Every process below `pid`, children first. */
export function descendantsOf(pid: number): number[] {
    const all = processes();
    const below: number[] = [];
    for (let frontier = [pid]; frontier.length > 0;) {
        const parents = new Set(frontier);
        frontier = all.filter((p) => parents.has(p.parent)).map((p) => p.pid);
        below.push(...frontier);
    }
    return below;
}

/** Whether `pid` is a running process (not ended, not a zombie waiting for its parent). */
export function isRunning(pid: number): boolean {
    try {
        return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[0] !== "Z";
    } catch {
        return false;
    }
}

/** The resident memory of these processes together, in MiB (VmRSS; shared pages count once per process). */
export function residentMiB(pids: number[]): number {
    let kib = 0;
    for (const pid of pids) {
        try {
            kib += Number(fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0);
        } catch {
            // it ended meanwhile
        }
    }
    return kib / 1024;
}
