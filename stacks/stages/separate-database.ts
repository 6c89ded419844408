import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { rdsCaPath } from "../../components/compute/rds-certificates";
import { AuroraCluster } from "../../components/data/aurora-cluster";
import { Vpc } from "../../components/network/vpc";
import { StackConfig } from "../config";
import { ServerWiring } from "../server-wiring";

/**
 * Stage 2 (seed 3.2): the database leaves the application's machine for Aurora PostgreSQL,
 * so that the two stop competing for one box. The shop reaches the writer over TLS
 * verified against the RDS certificate authorities, with the password read from the
 * cluster's Secrets Manager secret at boot. The cluster admits only the app group.
 */
export function separateDatabase(
    config: StackConfig,
    region: string,
    network: Vpc,
    appGroupId: pulumi.Input<string>,
    provider: aws.Provider,
): { cluster: AuroraCluster; wiring: ServerWiring } {
    const cluster = new AuroraCluster(
        `shop-db-${region}`,
        {
            vpcId: network.vpcId,
            subnetIds: network.isolatedSubnetIds,
            allowedSecurityGroups: { app: appGroupId },
            instanceClass: config.sizing.databaseInstanceClass,
            production: config.protectData,
        },
        { provider },
    );
    const url = pulumi.interpolate`postgres://${cluster.masterUsername}@${cluster.writerEndpoint}:${cluster.port}/${cluster.databaseName}?sslmode=verify-full&sslrootcert=${rdsCaPath}`;
    return {
        cluster,
        wiring: {
            environment: { SHOP_DATABASE_URL: url },
            secrets: { SHOP_DATABASE_PASSWORD: { secretArn: cluster.secretArn, jsonKey: "password" } },
            egressPorts: [5432],
            rdsCertificates: true,
        },
    };
}
