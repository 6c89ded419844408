/**
 * The test nodes' class archive (tools/servers/opensearch-class-archive.ts): one node a machine
 * makes it, the next ones start from it, and neither a node started meanwhile nor a maker that
 * never finished leaves a half archive or a claim that blocks the next one forever.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { classArchive } from "../tools/servers/opensearch-class-archive";

describe("the OpenSearch test nodes' class archive", () => {
    let root: string;
    let home: string;
    let javaHome: string;
    const nodeDir = (name: string) => fs.mkdtempSync(path.join(root, `${name}-`));

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "class-archive-"));
        home = path.join(root, "opensearch-2.19.6");
        javaHome = path.join(root, "jdk");
        fs.mkdirSync(home);
        fs.mkdirSync(path.join(javaHome, "lib", "server"), { recursive: true });
        fs.writeFileSync(path.join(javaHome, "lib", "server", "libjvm.so"), "a JVM");
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("is made by the first node, written as its JVM exits, and started from by every node after it", () => {
        const first = classArchive(home, javaHome, nodeDir("first"));
        expect(first.making).toBe(true);
        const written = first.flags[0].replace(/^-XX:ArchiveClassesAtExit=/, "");
        expect(first.flags).toEqual([`-XX:ArchiveClassesAtExit=${written}`]);
        // Started while the first makes it: from no archive.
        expect(classArchive(home, javaHome, nodeDir("meanwhile"))).toEqual({ making: false, flags: [] });
        fs.writeFileSync(written, "the classes");
        if (first.making) first.publish();
        const later = classArchive(home, javaHome, nodeDir("later"));
        expect(later.making).toBe(false);
        const archive = later.flags[0].replace(/^-XX:SharedArchiveFile=/, "");
        expect(fs.readFileSync(archive, "utf8")).toBe("the classes");
        // Beside the distribution, read-only, and nothing else left there: no claim, no partial copy.
        expect(fs.readdirSync(root).filter((f) => f.startsWith("opensearch-2.19.6-"))).toEqual([path.basename(archive)]);
        expect(fs.statSync(archive).mode & 0o777).toBe(0o444);
        expect(fs.existsSync(written)).toBe(false);
    });

    it("is made again by a JVM other than the one that made it", () => {
        const first = classArchive(home, javaHome, nodeDir("first"));
        fs.writeFileSync(first.flags[0].replace(/^-XX:ArchiveClassesAtExit=/, ""), "classes of the old JVM");
        if (first.making) first.publish();
        fs.writeFileSync(path.join(javaHome, "lib", "server", "libjvm.so"), "an updated JVM");
        expect(classArchive(home, javaHome, nodeDir("updated")).making).toBe(true);
    });

    it("is not kept when its node did not end (abandoned), and the next node makes it", () => {
        const first = classArchive(home, javaHome, nodeDir("first"));
        fs.writeFileSync(first.flags[0].replace(/^-XX:ArchiveClassesAtExit=/, ""), "half of the classes");
        if (first.making) first.abandon();
        expect(fs.readdirSync(root).filter((f) => f.startsWith("opensearch-2.19.6-"))).toEqual([]);
        expect(classArchive(home, javaHome, nodeDir("next")).making).toBe(true);
    });

    it("is made by a later node when its maker left its claim long ago (its test was killed), not before", () => {
        expect(classArchive(home, javaHome, nodeDir("killed")).making).toBe(true);
        expect(classArchive(home, javaHome, nodeDir("soon after")).making).toBe(false);
        const claim = fs.readdirSync(root).find((f) => f.endsWith(".making"))!;
        const longAgo = new Date(Date.now() - 16 * 60 * 1000);
        fs.utimesSync(path.join(root, claim), longAgo, longAgo);
        expect(classArchive(home, javaHome, nodeDir("much later")).making).toBe(true);
    });

    it("is not made by a node told not to (the maker's own second start, when its JVM wrote nothing)", () => {
        expect(classArchive(home, javaHome, nodeDir("restarted"), { make: false })).toEqual({ making: false, flags: [] });
        expect(classArchive(home, javaHome, nodeDir("next")).making).toBe(true);
    });

    it("is not used with a JVM laid out otherwise (no libjvm.so where OpenJDK keeps it)", () => {
        fs.rmSync(javaHome, { recursive: true });
        expect(classArchive(home, javaHome, nodeDir("other"))).toEqual({ making: false, flags: [] });
    });
});
