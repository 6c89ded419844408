import * as pulumi from "@pulumi/pulumi";
import { SingleServerArgs } from "../components/compute/single-server";
import { Statement } from "../components/iam";
import { WiringDomain } from "./ownership";

/**
 * What a stage's step hands the application servers of one region: environment variables of
 * the shop's contract, secrets to read at boot, ports they must reach inside the VPC, and AWS
 * permissions their role (instances) or pods' role (Kubernetes) needs.
 * Steps add theirs; the composition merges them into the servers' arguments.
 */
export interface ServerWiring {
    /** Whose it is: a domain's (only that domain's owners get it from stage 11), or every process's. */
    domain: WiringDomain;
    environment: Record<string, pulumi.Input<string>>;
    /**
     * Secrets read from Secrets Manager at boot (a whole secret, or one key of a JSON one), and
     * their value where this program made it: Kubernetes Secrets take the value (stage 14).
     */
    secrets: Record<string, { secretArn: pulumi.Input<string>; jsonKey?: string; value?: pulumi.Input<string>; version?: pulumi.Input<string> }>;
    egressPorts: number[];
    rdsCertificates?: boolean;
    /** IAM statements the shop's processes need (stage 10: the media bucket). @default none */
    statements?: pulumi.Input<Statement>[];
}

/** The wirings a process owning these domains (and `pictures` where it renders pages) gets: theirs and the shared ones. */
export function ownedWirings(wirings: ServerWiring[], domains: readonly WiringDomain[]): ServerWiring[] {
    return wirings.filter((w) => w.domain === "shared" || domains.includes(w.domain));
}

/** The IAM statements of every step, in one list. */
export function mergedStatements(wirings: ServerWiring[]): pulumi.Input<Statement>[] {
    return wirings.flatMap((w) => w.statements ?? []);
}

export function wireServer(vpcCidr: string, appGroupId: pulumi.Input<string>, wirings: ServerWiring[]): Partial<SingleServerArgs> {
    if (wirings.length === 0) return {};
    return {
        shopEnvironment: {
            environment: mergedEnvironment(wirings),
            secrets: secretRefs(wirings),
        },
        securityGroupIds: [appGroupId],
        egressInVpc: { cidr: vpcCidr, ports: wirings.flatMap((w) => w.egressPorts) },
        rdsCertificates: wirings.some((w) => w.rdsCertificates),
    };
}

/** The environment of every step, in one map. */
export function mergedEnvironment(wirings: ServerWiring[]): Record<string, pulumi.Input<string>> {
    return Object.assign({}, ...wirings.map((w) => w.environment));
}

/** The secrets of every step, in one map. */
export function mergedSecrets(wirings: ServerWiring[]): ServerWiring["secrets"] {
    return Object.assign({}, ...wirings.map((w) => w.secrets));
}

/**
 * Where each secret of the wirings is kept, for instances to read at boot, and its version where
 * known (a new one rolls them): never the values, which would make the launch template a secret.
 */
export function secretRefs(wirings: ServerWiring[]): Record<string, { secretArn: pulumi.Input<string>; jsonKey?: string; version?: pulumi.Input<string> }> {
    return Object.fromEntries(
        Object.entries(mergedSecrets(wirings)).map(([name, { secretArn, jsonKey, version }]) => [name, { secretArn, jsonKey, ...(version && { version }) }]),
    );
}
