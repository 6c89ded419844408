import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { project } from "../stacks/config";
import { projectRoot } from "./project-root";

export function stackFilePath(stack: string, dir = projectRoot): string {
    return path.join(dir, `Pulumi.${stack}.yaml`);
}

/** Thrown when a stack file cannot be read as Pulumi config; each problem is one line. */
export class StackFileError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
    }
}

/**
 * Reads `Pulumi.<stack>.yaml` into config as Pulumi holds it: `namespace:key` to a string,
 * lists and maps as JSON text, keys without a namespace in the project's. Secure values
 * cannot be decrypted offline and read as "[secret]".
 */
export function readStackConfigFile(stack: string, dir = projectRoot): Record<string, string> {
    const file = stackFilePath(stack, dir);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new StackFileError([`--stack: not a stack name: ${JSON.stringify(stack)}`]);
    if (!fs.existsSync(file)) {
        const known = fs
            .readdirSync(dir)
            .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
            .map((f) => f.slice(7, -5));
        throw new StackFileError([`--stack: no ${path.basename(file)}; stacks here: ${known.join(", ") || "none"}`]);
    }
    let document: unknown;
    try {
        document = parseYaml(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new StackFileError([`${path.basename(file)}: not valid YAML: ${(err as Error).message.split("\n")[0]}`]);
    }
    const config = (document as { config?: unknown } | null)?.config ?? {};
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new StackFileError([`${path.basename(file)}: config must be a map of keys to values`]);
    }
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        const fullKey = key.includes(":") ? key : `${project}:${key}`;
        raw[fullKey] = configText(value);
    }
    return raw;
}

function configText(value: unknown): string {
    if (typeof value === "string") return value;
    if (value !== null && typeof value === "object" && "secure" in value) return "[secret]";
    if (value !== null && typeof value === "object") return JSON.stringify(value);
    return String(value);
}
