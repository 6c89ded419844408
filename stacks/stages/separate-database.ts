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
 *
 * Stage 5 (seed 3.5): the same cluster gains readers (in prod also reader autoscaling), and
 * the shop sends its replica-safe reads to the reader endpoint, keeping read-your-writes.
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
            ...(config.stage.number >= 5 && {
                readers: Object.fromEntries(Array.from({ length: config.sizing.databaseReaders }, (_, i) => [String(i + 1), {}])),
                // Prod adds readers under load; the declared ones and the writer are never scaled away.
                readerAutoscaling: config.environment === "prod" ? { minReaders: 0, maxReaders: config.sizing.databaseReaders, metric: "cpu" as const } : undefined,
            }),
        },
        { provider },
    );
    const urlOf = (host: pulumi.Input<string>) => pulumi.interpolate`postgres://${cluster.masterUsername}@${host}:${cluster.port}/${cluster.databaseName}?sslmode=verify-full&sslrootcert=${rdsCaPath}`;
    return {
        cluster,
        wiring: {
            environment: {
                SHOP_DATABASE_URL: urlOf(cluster.writerEndpoint),
                ...(config.stage.number >= 5 && { SHOP_DATABASE_READER_URLS: urlOf(cluster.readerEndpoint) }),
            },
            secrets: { SHOP_DATABASE_PASSWORD: { secretArn: cluster.secretArn, jsonKey: "password" } },
            egressPorts: [5432],
            rdsCertificates: true,
        },
    };
}
