import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ShopImage } from "../components/containers/shop-image";
import { ConfigError, project, StackConfig } from "./config";
import { projectRoot } from "../tools/project-root";

/** What a stack not promoted to yet shows as its image in the offline plan and the preview. */
export const pendingImage = "pending";

/** The command that gives prod its image. */
export const promoteCommand = "npm run promote -- --from dev --to prod";

/**
 * The shop's image by digest, the one every server, fleet and pod of the stack runs. Dev
 * builds `app/Dockerfile` into an ECR repository of its home region (tagged by the sources'
 * content) and runs what it pushed; the accounts in `pullAccountIds` (prod's) may pull it.
 * A dev stack given a digest (the stage proof's) runs it and builds nothing.
 * A stack promoted to never builds: it runs the digest `npm run promote` wrote into its stack
 * file, and until there is one, the plan and the preview show the image as pending and
 * `pulumi up` refuses, naming the command.
 */
export function stackImage(config: StackConfig, homeProvider: aws.Provider): pulumi.Input<string> {
    if (config.image !== undefined) return config.image;
    if (config.environment === "dev") {
        return new ShopImage(
            "shop",
            { build: { context: projectRoot }, pullAccountIds: config.pullAccountIds, forceDelete: !config.protectData },
            { provider: homeProvider },
        ).imageRef;
    }
    if (!pulumi.runtime.isDryRun()) {
        throw new ConfigError([
            `${project}:image: not set: this stack runs only an image promoted from dev by digest; \`${promoteCommand}\` writes it into Pulumi.${pulumi.getStack()}.yaml`,
        ]);
    }
    return pendingImage;
}
