import { StackConfig } from "../config";
import { domainsOn } from "../ownership";
import { ServingCell } from "../region-cell";
import { ShopDatabase, shopDatabase } from "../shop-database";

/**
 * Stage 2 (seed 3.2): the database leaves the application's machine for Aurora PostgreSQL,
 * so that the two stop competing for one box. The shop reaches the writer over TLS
 * verified against the RDS certificate authorities, signing in as each domain's role
 * (stacks/database-roles.ts). The cluster admits only the groups of its domains' owners and
 * migration functions.
 *
 * Stage 5 (seed 3.5): the same cluster gains readers (in prod also reader autoscaling), and
 * the shop sends its replica-safe reads to the reader endpoint, keeping read-your-writes.
 */
export function separateDatabase(config: StackConfig, home: ServingCell, others: ServingCell[]): ShopDatabase {
    return shopDatabase(`shop-db-${home.region}`, config, home, others, { readers: true, domains: domainsOn("main", config.stage.number) });
}
