import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { rdsCaPath } from "../components/compute/rds-certificates";
import { AuroraCluster, SharedCredential } from "../components/data/aurora-cluster";
import { Vpc } from "../components/network/vpc";
import { StackConfig } from "./config";

export interface ShopDatabase {
    cluster: AuroraCluster;
    /** The writer's URL, over TLS verified against the RDS certificate authorities; no password in it. */
    writerUrl: pulumi.Output<string>;
    /** The reader endpoint's URL, the same way. */
    readerUrl: pulumi.Output<string>;
}

/**
 * One Aurora PostgreSQL cluster of the shop, as the stage makes it: in the isolated subnets,
 * admitting only the app group, protected in prod. From stage 5 on it has the stage's readers
 * (in prod also reader autoscaling) unless `readers` is false; a cluster without them still
 * gets one reader in prod, as a failover target in another zone.
 */
export function shopDatabase(
    name: string,
    config: StackConfig,
    network: Vpc,
    appGroupId: pulumi.Input<string>,
    provider: aws.Provider,
    options: { readers: boolean; masterPassword?: SharedCredential },
): ShopDatabase {
    const readers = options.readers && config.stage.number >= 5;
    const prod = config.environment === "prod";
    const count = readers ? config.sizing.databaseReaders : prod ? 1 : 0;
    const cluster = new AuroraCluster(
        name,
        {
            vpcId: network.vpcId,
            subnetIds: network.isolatedSubnetIds,
            allowedSecurityGroups: { app: appGroupId },
            instanceClass: config.sizing.databaseInstanceClass,
            production: config.protectData,
            masterPassword: options.masterPassword,
            readers: count > 0 ? Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i + 1), {}])) : undefined,
            // Prod adds readers under load; the declared ones and the writer are never scaled away.
            readerAutoscaling: readers && prod ? { minReaders: 0, maxReaders: config.sizing.databaseReaders, metric: "cpu" } : undefined,
        },
        { provider },
    );
    const urlOf = (host: pulumi.Input<string>) => pulumi.interpolate`postgres://${cluster.masterUsername}@${host}:${cluster.port}/${cluster.databaseName}?sslmode=verify-full&sslrootcert=${rdsCaPath}`;
    return { cluster, writerUrl: urlOf(cluster.writerEndpoint), readerUrl: urlOf(cluster.readerEndpoint) };
}
