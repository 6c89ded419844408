/**
 * A class-data-sharing archive of a test node's classes (the JVM's dynamic CDS archive): a node
 * started from it maps the twelve thousand classes it loads already parsed and verified, instead
 * of reading each from a jar. A test node then starts on about two thirds of the CPU time (8.3 s
 * to 5.2 s here, measured with the suites running beside it), and the search suites start one
 * or two nodes each.
 *
 * The archive is made once a machine, by the first node of a distribution started without one:
 * that node runs with -XX:ArchiveClassesAtExit, and is stopped (SIGTERM) once it answers, which
 * is when the JVM writes what it loaded. It is kept beside the distribution, named after the JVM
 * that made it: a JVM updated since then (whose own classes changed) makes a new one, and a JVM
 * given an archive it cannot use (another class path) starts without it, as it would with none.
 * Nodes started while another makes it start without one.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** A node whose maker did not end within this long (its test killed) left its claim behind. */
const staleClaimMs = 15 * 60 * 1000;

export type ClassArchive =
    /** `flags` start the node from the archive, or (none) as before. */
    | { making: false; flags: string[] }
    /** The node writes the archive (`flags`) as it exits; `publish` then keeps it for the next nodes, `abandon` does not. */
    | { making: true; flags: string[]; publish(): void; abandon(): void };

/**
 * What a node of the distribution at `home`, run by the JVM at `javaHome`, with its files in `nodeDir`, starts with;
 * with `make: false`, never the making of the archive.
 */
export function classArchive(home: string, javaHome: string, nodeDir: string, { make = true } = {}): ClassArchive {
    let jvm: fs.Stats;
    try {
        jvm = fs.statSync(path.join(javaHome, "lib", "server", "libjvm.so"));
    } catch {
        return { making: false, flags: [] }; // Not a JVM laid out as OpenJDK's: no archive.
    }
    const archive = path.join(path.dirname(home), `${path.basename(home)}-classes-${jvm.size}-${Math.trunc(jvm.mtimeMs)}.jsa`);
    if (fs.existsSync(archive)) return { making: false, flags: [`-XX:SharedArchiveFile=${archive}`] };
    const claim = `${archive}.making`;
    if (!make || !claimed(claim)) return { making: false, flags: [] };
    // In the node's own directory: as root, the node runs as `nobody`, who may write there only.
    const written = path.join(nodeDir, "classes.jsa");
    const abandon = () => {
        fs.rmSync(written, { force: true });
        fs.rmSync(claim, { force: true });
    };
    return {
        making: true,
        flags: [`-XX:ArchiveClassesAtExit=${written}`],
        publish() {
            try {
                // Copied whole under a name of its own, then renamed: a node started meanwhile reads all of it or none.
                if (fs.existsSync(written)) {
                    fs.copyFileSync(written, `${archive}.${process.pid}`);
                    fs.chmodSync(`${archive}.${process.pid}`, 0o444);
                    fs.renameSync(`${archive}.${process.pid}`, archive);
                }
            } finally {
                abandon();
            }
        },
        abandon,
    };
}

/** Whether this process now holds the claim to make the archive (none held it, or its holder left it long ago). */
function claimed(claim: string): boolean {
    try {
        fs.writeFileSync(claim, String(process.pid), { flag: "wx" });
        return true;
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") return false; // A folder this user may not write: no archive.
    }
    try {
        if (Date.now() - fs.statSync(claim).mtimeMs < staleClaimMs) return false;
        fs.rmSync(claim, { force: true });
        fs.writeFileSync(claim, String(process.pid), { flag: "wx" });
        return true;
    } catch {
        return false;
    }
}
