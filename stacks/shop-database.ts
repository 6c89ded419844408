import * as pulumi from "@pulumi/pulumi";
import { rdsCaPath } from "../components/compute/rds-certificates";
import { AuroraCluster, SharedCredential } from "../components/data/aurora-cluster";
import { StackConfig } from "./config";
import { DataDomain } from "./ownership";
import { admittedGroups, ServingCell } from "./region-cell";
import { switchedOn } from "./registry";

export interface ShopDatabase {
    cluster: AuroraCluster;
    /** The writer's URL as a user (@default the master user), over TLS verified against the RDS certificate authorities; no password in it. */
    writerUrl(user?: string): pulumi.Output<string>;
    /** The URL of the readers in a region as a user: the home cluster's reader endpoint, or the region's secondary cluster. */
    readerUrlIn(region: string, user?: string): pulumi.Output<string>;
}

/**
 * One Aurora PostgreSQL cluster of the shop, as the stage makes it: in the home region's
 * isolated subnets, admitting only the groups of the apps that own the `domains` it holds
 * (and those domains' migration functions), protected in prod. From stage 5 on it has
 * the stage's readers (in prod also reader autoscaling) unless `readers` is false; a cluster
 * without them still gets one reader in prod, as a failover target in another zone. With
 * other regions (stage 9), it is the primary of a global database: a read-only secondary
 * cluster in each, and the other regions' writes arrive over the peering, admitted by range.
 */
export function shopDatabase(
    name: string,
    config: StackConfig,
    home: ServingCell,
    others: ServingCell[],
    options: { readers: boolean; domains: DataDomain[]; masterPassword?: SharedCredential },
): ShopDatabase {
    const readers = options.readers && switchedOn(config.stage, "readReplicas");
    const prod = config.environment === "prod";
    const count = readers ? config.sizing.databaseReaders : prod ? 1 : 0;
    // Stage 15: the readers become Aurora Serverless v2, following the read load within seconds.
    const serverless = readers && switchedOn(config.stage, "serverlessReaders");
    const keyed = (n: number, spec: { instanceClass?: string } = {}) =>
        n > 0 ? Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i + 1), spec])) : undefined;
    const cluster = new AuroraCluster(
        name,
        {
            vpcId: home.network.vpcId,
            subnetIds: home.network.isolatedSubnetIds,
            allowedSecurityGroups: admittedGroups(home, config.stage.number, options.domains),
            allowedCidrs: Object.fromEntries(others.map((cell) => [cell.region, cell.network.cidrBlock])),
            instanceClass: config.sizing.databaseInstanceClass,
            production: config.protectData,
            // A password of the program's making in Secrets Manager at every stage: servers and pods read it once,
            // and RDS's weekly rotation of a managed one would lock them out. Rotation is a new version and a `pulumi up`.
            masterPassword: options.masterPassword ?? "generated",
            logRetentionDays: config.sizing.logRetentionDays,
            readers: keyed(count, serverless ? { instanceClass: "db.serverless" } : {}),
            serverlessV2: serverless ? { minCapacity: 0.5, maxCapacity: prod ? 64 : 8 } : undefined,
            // Prod adds readers under load; the declared ones and the writer are never scaled away.
            alarms: { ...home.alarms, topicArnsByKey: Object.fromEntries(others.map((cell) => [cell.region, cell.alarms.topicArn])) },
            readerAutoscaling: readers && prod ? { minReaders: 0, maxReaders: config.sizing.databaseReaders, metric: "cpu" } : undefined,
            secondaries:
                others.length > 0
                    ? Object.fromEntries(
                          others.map((cell) => [
                              cell.region,
                              {
                                  provider: cell.provider,
                                  vpcId: cell.network.vpcId,
                                  subnetIds: cell.network.isolatedSubnetIds,
                                  allowedSecurityGroups: admittedGroups(cell, config.stage.number, options.domains),
                                  instances: keyed(Math.max(count, 1)),
                              },
                          ]),
                      )
                    : undefined,
        },
        { provider: home.provider },
    );
    const urlOf = (host: pulumi.Input<string>, user: string = cluster.masterUsername) =>
        pulumi.interpolate`postgres://${user}@${host}:${cluster.port}/${cluster.databaseName}?sslmode=verify-full&sslrootcert=${rdsCaPath}`;
    return {
        cluster,
        writerUrl: (user) => urlOf(cluster.writerEndpoint, user),
        readerUrlIn: (region, user) => urlOf(region === home.region ? cluster.readerEndpoint : cluster.secondaryReaderEndpoints[region], user),
    };
}
