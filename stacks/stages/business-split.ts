import { StackConfig } from "../config";
import { ServingCell } from "../region-cell";
import { ServerWiring } from "../server-wiring";
import { ShopDatabase, shopDatabase } from "../shop-database";

/** The domains that leave the shared database at stage 6; orders stay on it. */
export const splitDomains = ["catalog", "users"] as const;

/**
 * Stage 6 (seed 3.6): each business domain on a database of its own. The catalog and the
 * users move to clusters of their own (`shop-catalog-db-<region>`, `shop-users-db-<region>`),
 * with readers like the first; the orders and payments, the data that must never be lost,
 * stay on `shop-db-<region>`, which keeps its URN. Each cluster has its own credential, and
 * the shop gets each domain's URLs and password (`SHOP_DATABASE_URL_<DOMAIN>`,
 * `SHOP_DATABASE_READER_URLS_<DOMAIN>`, `SHOP_DATABASE_PASSWORD_<DOMAIN>`); no SQL of the
 * shop crosses domains.
 */
export function businessSplit(
    config: StackConfig,
    home: ServingCell,
    others: ServingCell[],
): { databases: Record<(typeof splitDomains)[number], ShopDatabase>; wiringIn(region: string): ServerWiring } {
    const databases = Object.fromEntries(
        splitDomains.map((domain) => [domain, shopDatabase(`shop-${domain}-db-${home.region}`, config, home, others, { readers: true })]),
    ) as Record<(typeof splitDomains)[number], ShopDatabase>;
    const entries = Object.entries(databases).map(([domain, db]) => [domain.toUpperCase(), db] as const);
    return {
        databases,
        wiringIn: (region) => ({
            environment: Object.fromEntries(
                entries.flatMap(([domain, db]) => [
                    [`SHOP_DATABASE_URL_${domain}`, db.writerUrl],
                    [`SHOP_DATABASE_READER_URLS_${domain}`, db.readerUrlIn(region)],
                ]),
            ),
            secrets: Object.fromEntries(
                entries.map(([domain, db]) => [
                    `SHOP_DATABASE_PASSWORD_${domain}`,
                    { secretArn: db.cluster.secretArn, jsonKey: "password", value: db.cluster.masterPassword, version: db.cluster.secretVersion },
                ]),
            ),
            egressPorts: [5432],
            rdsCertificates: true,
        }),
    };
}
