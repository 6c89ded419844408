/**
 * Where tools/ensure-test-servers.sh keeps the servers Debian does not package (fetched on first use).
 * The script's answer is kept in this process's environment (SHOP_TEST_SERVERS, which `npm test` sets
 * once for the run): its check that moto runs starts Python, a third of a second of CPU, which every
 * suite, lab and search node asked again for the same answer.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { projectRoot } from "../project-root";

export const testServersVariable = "SHOP_TEST_SERVERS";

/** The script's lines (`NAME=where`) by name. */
function parse(output: string): Record<string, string> {
    return Object.fromEntries(
        output
            .trim()
            .split("\n")
            .map((line) => line.split(/=(.*)/s).slice(0, 2)),
    );
}

export function testServer(name: "OPENSEARCH_HOME" | "OPENSEARCH_SECURITY_HOME" | "MOTO_SERVER"): string {
    // Inherited by every process started from here (the lab, the suites' own processes), which then skip the script too.
    process.env[testServersVariable] ||= execFileSync("bash", [path.join(projectRoot, "tools", "ensure-test-servers.sh")], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    const where = parse(process.env[testServersVariable])[name];
    if (!where) throw new Error(`tools/ensure-test-servers.sh did not say where ${name} is`);
    return where;
}
