import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

/**
 * The configuration every fleet of a region shares (stage 11 on, seed 3.11's Zookeeper): the
 * shop's topology, one SSM parameter a variable under `/shop-evolution/<stack>/<region>`, the
 * one place to read or change it. Fleets read the path at boot; `version`, a digest of the
 * values, goes into their first-boot script, so that a changed value rolls them. Secrets stay
 * in Secrets Manager.
 */
export function sharedConfig(
    region: string,
    values: Record<string, pulumi.Input<string>>,
    provider: aws.Provider,
): { path: string; version: pulumi.Output<string> } {
    const path = `/shop-evolution/${pulumi.getStack()}/${region}`;
    for (const [key, value] of Object.entries(values)) {
        new aws.ssm.Parameter(
            `shop-config-${region}-${key}`,
            { name: `${path}/${key}`, type: "String", value, description: `shop-evolution: ${key} of the shop in ${region}` },
            { provider },
        );
    }
    const version = pulumi.output(values).apply((v) =>
        createHash("sha256")
            .update(JSON.stringify(Object.entries(v).sort()))
            .digest("hex")
            .slice(0, 16),
    );
    return { path, version };
}
