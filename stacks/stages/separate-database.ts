import { StackConfig } from "../config";
import { ServingCell } from "../region-cell";
import { switchedOn } from "../registry";
import { ServerWiring } from "../server-wiring";
import { ShopDatabase, shopDatabase } from "../shop-database";

/**
 * Stage 2 (seed 3.2): the database leaves the application's machine for Aurora PostgreSQL,
 * so that the two stop competing for one box. The shop reaches the writer over TLS
 * verified against the RDS certificate authorities, with the password read from the
 * cluster's Secrets Manager secret at boot. The cluster admits only the app group.
 *
 * Stage 5 (seed 3.5): the same cluster gains readers (in prod also reader autoscaling), and
 * the shop sends its replica-safe reads to the reader endpoint, keeping read-your-writes.
 */
export function separateDatabase(config: StackConfig, home: ServingCell, others: ServingCell[]): ShopDatabase & { wiringIn(region: string): ServerWiring } {
    const database = shopDatabase(`shop-db-${home.region}`, config, home, others, { readers: true });
    return {
        ...database,
        wiringIn: (region) => ({
            environment: {
                SHOP_DATABASE_URL: database.writerUrl,
                ...(switchedOn(config.stage, "readReplicas") && { SHOP_DATABASE_READER_URLS: database.readerUrlIn(region) }),
            },
            secrets: {
                SHOP_DATABASE_PASSWORD: {
                    secretArn: database.cluster.secretArn,
                    jsonKey: "password",
                    value: database.cluster.masterPassword,
                    version: database.cluster.secretVersion,
                },
            },
            egressPorts: [5432],
            rdsCertificates: true,
        }),
    };
}
