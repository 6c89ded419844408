/** Where tools/ensure-test-servers.sh keeps the servers Debian does not package (fetched on first use). */
import { execFileSync } from "node:child_process";
import * as path from "node:path";

let found: Record<string, string> | undefined;

export function testServer(name: "OPENSEARCH_HOME" | "OPENSEARCH_SECURITY_HOME" | "MOTO_SERVER"): string {
    if (!found) {
        const script = path.resolve(__dirname, "..", "ensure-test-servers.sh");
        const output = execFileSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        found = Object.fromEntries(
            output
                .trim()
                .split("\n")
                .map((line) => line.split(/=(.*)/s).slice(0, 2)),
        );
    }
    const where = found?.[name];
    if (!where) throw new Error(`tools/ensure-test-servers.sh did not say where ${name} is`);
    return where;
}
