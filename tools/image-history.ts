/**
 * Where an image rollback finds the digest to go back to: the stack file's git history (every
 * committed Pulumi.<stack>.yaml is a release that was reviewed), cross-checked with the stack's
 * own update history (`pulumi stack history`) where the CLI and credentials are there, so that
 * the digest put back is one the stack really ran.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { project } from "../stacks/config";
import { stackFilePath } from "./stack-files";

const imageKey = `${project}:image`;

function git(dir: string, args: string[]): { ok: boolean; out: string } {
    const result = spawnSync("git", ["-C", dir, ...args], { encoding: "utf8" });
    return { ok: result.status === 0, out: result.stdout ?? "" };
}

function imageIn(yamlText: string): string | undefined {
    try {
        const config = (parseYaml(yamlText) as { config?: Record<string, unknown> } | null)?.config ?? {};
        const image = config[imageKey] ?? config.image;
        return typeof image === "string" ? image : undefined;
    } catch {
        return undefined;
    }
}

/**
 * The image the stack file named before its current one: walking the file's commits from the
 * newest, the first image different from the one in the working file, with the commit that had it.
 */
export function previousImageInGit(stack: string, dir: string): { image: string; commit: string } | { problem: string } {
    const file = path.basename(stackFilePath(stack, dir));
    const log = git(dir, ["log", "--format=%H", "--", file]);
    if (!log.ok) return { problem: `${dir} is not a git repository: the previous image comes from ${file}'s history` };
    const current = imageIn(git(dir, ["show", `HEAD:${file}`]).out);
    for (const commit of log.out.split("\n").filter(Boolean)) {
        const image = imageIn(git(dir, ["show", `${commit}:${file}`]).out);
        if (image !== undefined && image !== current) return { image, commit };
    }
    return { problem: `no earlier image in ${file}'s git history (${current ? `every commit names ${current}` : "no commit names an image"})` };
}

/** The images of the stack's successful updates, newest first (`pulumi stack history --json`); undefined where it cannot be read. */
export function deployedImages(stack: string, dir: string): string[] | undefined {
    const result = spawnSync("pulumi", ["stack", "history", "--stack", stack, "--cwd", dir, "--json", "--show-secrets=false"], {
        encoding: "utf8",
        timeout: 60_000,
        // This process's environment as it is now (PATH may have been changed since start: a test's fake CLI).
        env: process.env,
    });
    if (result.status !== 0) return undefined;
    try {
        const updates = JSON.parse(result.stdout) as { kind?: string; result?: string; config?: Record<string, { value?: string }> }[];
        return updates
            .filter((u) => u.kind === "update" && u.result === "succeeded")
            .map((u) => u.config?.[imageKey]?.value)
            .filter((image): image is string => typeof image === "string");
    } catch {
        return undefined;
    }
}
