import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ServerWiring } from "./server-wiring";

/** The one parameter of a stack's feature flags, in each region it serves (app/src/flags). */
export function flagsParameterName(stack: string): string {
    return `/shop-evolution/${stack}/flags`;
}

/**
 * The shop's feature flags (stage 11 on, the config center): one String parameter a region,
 * `/shop-evolution/<stack>/flags`, a JSON object such as {"reviews": false} (empty: every
 * feature on). It lives outside the shared configuration's path, so it is not in its digest:
 * flipping a flag rolls no fleet and restarts no pod; every process reads it again within
 * seconds. Its value belongs to the operators (`aws ssm put-parameter --overwrite`), so
 * `pulumi up` ignores changes to it and never flips a flag back. A String, not a SecureString:
 * flags are not secrets, and reading them needs no KMS key. The shop's processes may read
 * exactly this parameter, and nothing else of it.
 */
export function featureFlagsWiring(region: string, provider: aws.Provider): ServerWiring {
    const name = flagsParameterName(pulumi.getStack());
    const parameter = new aws.ssm.Parameter(
        `shop-flags-${region}`,
        { name, type: "String", value: "{}", description: "shop-evolution: the shop's feature flags (JSON); see the README's Operations" },
        { provider, ignoreChanges: ["value"] },
    );
    return {
        domain: "shared",
        environment: { SHOP_FLAGS_PARAMETER: name },
        secrets: {},
        egressPorts: [],
        statements: [parameter.arn.apply((arn) => ({ Action: "ssm:GetParameter", Resource: arn }))],
    };
}
