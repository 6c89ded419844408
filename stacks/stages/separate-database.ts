import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { rdsCaPath } from "../../components/compute/server-user-data";
import { SingleServerArgs } from "../../components/compute/single-server";
import { AuroraCluster } from "../../components/data/aurora-cluster";
import { Vpc } from "../../components/network/vpc";
import { StackConfig } from "../config";

/**
 * Stage 2 (seed 3.2): the database leaves the application's machine for Aurora PostgreSQL,
 * so that the two stop competing for one box. The server keeps running the shop, now on
 * the environment contract pointed at the writer (TLS verified against the RDS CAs), with
 * the password read from the cluster's Secrets Manager secret at boot. The "app" security
 * group is made first: the cluster admits it, the server wears it.
 */
export interface SeparateDatabase {
    cluster: AuroraCluster;
    /** What the single server needs to run the shop on this database. */
    server: Pick<SingleServerArgs, "shopEnvironment" | "securityGroupIds" | "egressInVpc" | "rdsCertificates">;
}

export function separateDatabase(config: StackConfig, region: string, network: Vpc, provider: aws.Provider): SeparateDatabase {
    const appGroup = new aws.ec2.SecurityGroup(
        `shop-app-${region}`,
        { vpcId: network.vpcId, description: "Shop application servers: the group the data tier admits", tags: { Name: `shop-app-${region}` } },
        { provider },
    );
    const cluster = new AuroraCluster(
        `shop-db-${region}`,
        {
            vpcId: network.vpcId,
            subnetIds: network.isolatedSubnetIds,
            allowedSecurityGroups: { app: appGroup.id },
            instanceClass: config.sizing.databaseInstanceClass,
            production: config.protectData,
        },
        { provider },
    );
    const url = pulumi.interpolate`postgres://${cluster.masterUsername}@${cluster.writerEndpoint}:${cluster.port}/${cluster.databaseName}?sslmode=verify-full&sslrootcert=${rdsCaPath}`;
    return {
        cluster,
        server: {
            shopEnvironment: { environment: { SHOP_DATABASE_URL: url }, secrets: { SHOP_DATABASE_PASSWORD: { secretArn: cluster.secretArn, jsonKey: "password" } } },
            securityGroupIds: [appGroup.id],
            egressInVpc: { cidr: network.cidrBlock, ports: [5432] },
            rdsCertificates: true,
        },
    };
}
