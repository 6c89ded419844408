import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The project's root: where Pulumi.yaml and the stack files live (looked up, so that the compiled copy
 * in bin/ finds it too). A module of its own, with nothing to load: a test or a tool that needs only
 * the root does not load the stacks' config and the Pulumi SDK behind it.
 */
export const projectRoot = ((): string => {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        if (dir === path.dirname(dir)) throw new Error(`no Pulumi.yaml above ${__dirname}`);
    }
})();
