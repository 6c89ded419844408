import * as pulumi from "@pulumi/pulumi";
import { SingleServerArgs } from "../components/compute/single-server";

/**
 * What a stage's step hands the application servers of one region: environment variables of
 * the shop's contract, secrets to read at boot, and ports they must reach inside the VPC.
 * Steps add theirs; the composition merges them into the servers' arguments.
 */
export interface ServerWiring {
    environment: Record<string, pulumi.Input<string>>;
    secrets: Record<string, { secretArn: pulumi.Input<string>; jsonKey?: string }>;
    egressPorts: number[];
    rdsCertificates?: boolean;
}

export function wireServer(vpcCidr: string, appGroupId: pulumi.Input<string>, wirings: ServerWiring[]): Partial<SingleServerArgs> {
    if (wirings.length === 0) return {};
    return {
        shopEnvironment: {
            environment: Object.assign({}, ...wirings.map((w) => w.environment)),
            secrets: Object.assign({}, ...wirings.map((w) => w.secrets)),
        },
        securityGroupIds: [appGroupId],
        egressInVpc: { cidr: vpcCidr, ports: wirings.flatMap((w) => w.egressPorts) },
        rdsCertificates: wirings.some((w) => w.rdsCertificates),
    };
}
