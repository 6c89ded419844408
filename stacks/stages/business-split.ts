import { StackConfig } from "../config";
import { ServingCell } from "../region-cell";
import { domainsOn } from "../ownership";
import { ShopDatabase, shopDatabase } from "../shop-database";

/** The domains that leave the shared database at stage 6; orders stay on it. */
export const splitDomains = ["catalog", "users"] as const;

/**
 * Stage 6 (seed 3.6): each business domain on a database of its own. The catalog and the
 * users move to clusters of their own (`shop-catalog-db-<region>`, `shop-users-db-<region>`),
 * with readers like the first; the orders and payments, the data that must never be lost,
 * stay on `shop-db-<region>`, which keeps its URN. Each cluster has its own master credential;
 * the shop signs in to each as the domain's role (stacks/database-roles.ts); no SQL of the
 * shop crosses domains. Until stage 7 the comments live with the catalog.
 */
export function businessSplit(
    config: StackConfig,
    home: ServingCell,
    others: ServingCell[],
): { databases: Record<(typeof splitDomains)[number], ShopDatabase> } {
    const databases = Object.fromEntries(
        splitDomains.map((domain) => [
            domain,
            shopDatabase(`shop-${domain}-db-${home.region}`, config, home, others, { readers: true, domains: domainsOn(domain, config.stage.number) }),
        ]),
    ) as Record<(typeof splitDomains)[number], ShopDatabase>;
    return { databases };
}
