/** The process's feature flags, read from the configured source and decorated on the app as `flags`. */
import { FastifyInstance } from "fastify";
import { ShopConfig } from "../config";
import { FeatureFlags } from "./feature-flags";
import { fileFlagsSource, ssmFlagsSource } from "./flag-sources";

declare module "fastify" {
    interface FastifyInstance {
        flags: FeatureFlags;
    }
}

/** Reads the flags once before the shop takes traffic (a source down: every feature on), then every `config.flagsRefreshMs` until the app closes. */
export async function registerFeatureFlags(app: FastifyInstance, config: ShopConfig): Promise<FeatureFlags> {
    const where = config.flags;
    const ssm = where && "parameter" in where ? ssmFlagsSource(where.parameter, where.region) : undefined;
    const flags = new FeatureFlags(ssm ?? (where && "file" in where ? fileFlagsSource(where.file) : undefined), app.log.child({ module: "flags" }));
    app.decorate("flags", flags);
    await flags.start(config.flagsRefreshMs);
    app.addHook("onClose", async () => {
        flags.stop();
        ssm?.close();
    });
    return flags;
}
