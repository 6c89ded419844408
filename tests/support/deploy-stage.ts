import * as pulumi from "@pulumi/pulumi";
import { composeStack } from "../../stacks";
import { parseStackConfig, project } from "../../stacks/config";
import { MockRunResult } from "../../tools/mock-runtime";
import { readStackConfigFile } from "../../tools/stack-files";
import { run } from "../harness";
import { promotedDigest } from "./fixtures";

/** A stage's deployment under the mock runtime: what it registered, and the `ignoreChanges` each resource was declared with. */
export interface StageDeployment extends MockRunResult {
    /** By "type::name", for the resources declared with any. */
    ignoreChanges: Record<string, string[]>;
}

/**
 * `stack`'s stack file at `stage`, run as an update (computed values get mock ids, so user
 * data renders). Prod runs the promoted fixture digest: an update of prod runs only an image
 * promoted to it.
 */
export async function deployStage(stack: "dev" | "prod", stage: number): Promise<StageDeployment> {
    const raw = { ...readStackConfigFile(stack), [`${project}:stage`]: String(stage), ...(stack === "prod" && { [`${project}:image`]: promotedDigest }) };
    const ignoreChanges: Record<string, string[]> = {};
    const registered = await run(
        () => {
            pulumi.runtime.registerStackTransformation((args) => {
                if (args.opts.ignoreChanges) ignoreChanges[`${args.type}::${args.name}`] = args.opts.ignoreChanges;
                return undefined;
            });
            return composeStack(parseStackConfig(raw));
        },
        { stack, config: raw },
    );
    return { resources: registered.resources, outputs: registered.outputs, ignoreChanges };
}
