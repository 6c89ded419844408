/**
 * The image's second entry (`node dist/migrate.js`; docs/contracts.md, "Migration entry"): the
 * migrations and the seed of the domains of SHOP_MODULES (default: all), under the advisory
 * lock, with the master credential, then the application roles (`shop_<domain>`) and the search
 * user. As a plain process it does this once and exits 0, or 1 with one line naming what failed.
 * With AWS_LAMBDA_RUNTIME_API (a Lambda function from the shop's image, invoked by the deploy),
 * it serves invocations, each doing the same work and answering what it did; a failure goes to
 * the Runtime API's error endpoint, which fails the deploy. SHOP_SECRET_REFS names the secrets,
 * read from Secrets Manager before anything else.
 */
import { readMigrateConfig, ShopConfigError } from "./config";
import { migrateAndSeed, openStores } from "./db/stores";
import { migrationLockKey } from "./db/migrations";
import { domainsOf, SchemaDomain } from "./db/ownership";
import { ensureRole, grantDomain, roleOf } from "./db/roles";
import { reportInitError, serveInvocations } from "./lambda-runtime";
import { ensureSearchUser, searchUser } from "./modules/search/search-user";
import { ensureRdsCertificates } from "./rds-ca";
import { resolveSecretRefs } from "./secret-refs";

export interface MigrationResult {
    migrated: SchemaDomain[];
    roles: string[];
    search: boolean;
}

export async function runMigrations(env: Record<string, string | undefined> = process.env): Promise<MigrationResult> {
    const config = readMigrateConfig(env);
    // Every domain of its modules, Redis or not: the cart's table is the orders' where carts are not in Redis.
    const domains = domainsOf(config.modules, { redis: false });
    const stores = await openStores({ ...config, migrations: "external" }, { domains });
    const roles: string[] = [];
    try {
        await migrateAndSeed(stores, domains);
        const passwords = config.rolePasswords;
        if (Object.keys(passwords).length > 0) {
            const grants: [SchemaDomain, string, (typeof stores.all)[number]][] = [];
            for (const domain of domains) {
                if (domain === "comments") {
                    for (const shard of stores.commentShards) grants.push(["comments", roleOf("comments"), shard]);
                    // Without shards (before stage 7), comments live in the catalog's database and are reached with its credential.
                    if (config.commentShardUrls.length === 0 && domains.includes("catalog"))
                        grants.push(["comments", roleOf("catalog"), stores.commentShards[0]]);
                } else grants.push([domain, roleOf(domain), stores[domain]]);
            }
            for (const domain of domains) {
                const role = roleOf(domain);
                const target = domain === "comments" ? stores.commentShards[0] : stores[domain];
                await target.withAdvisoryLock(migrationLockKey, () => ensureRole(target, role, passwords[domain]!));
                roles.push(role);
            }
            for (const [domain, role, db] of grants) await db.withAdvisoryLock(migrationLockKey, () => grantDomain(db, role, domain));
        }
        let search = false;
        if (config.searchUrl && config.searchRolePassword) {
            await ensureSearchUser(config.searchUrl, config.searchPassword, config.searchRolePassword);
            roles.push(searchUser);
            search = true;
        }
        return { migrated: domains, roles, search };
    } finally {
        await stores.close();
    }
}

/** One line for a person: the configuration's problems, or the failure's message. */
function oneLine(err: unknown): string {
    if (err instanceof ShopConfigError) return `Invalid configuration: ${err.problems.join("; ")}`;
    return err instanceof Error ? err.message : String(err);
}

async function main(): Promise<void> {
    const runtimeApi = process.env.AWS_LAMBDA_RUNTIME_API;
    if (runtimeApi) {
        try {
            await resolveSecretRefs(process.env);
            await ensureRdsCertificates(process.env);
        } catch (err) {
            await reportInitError(runtimeApi, new Error(oneLine(err)));
            process.exit(1);
        }
        await serveInvocations(runtimeApi, async () => {
            try {
                return await runMigrations(process.env);
            } catch (err) {
                throw new Error(`migrations failed: ${oneLine(err)}`, { cause: err });
            }
        });
    }
    try {
        await resolveSecretRefs(process.env);
        await ensureRdsCertificates(process.env);
        const result = await runMigrations(process.env);
        process.stdout.write(`${JSON.stringify(result)}\n`);
        process.exit(0);
    } catch (err) {
        process.stderr.write(`migrations failed: ${oneLine(err)}\n`);
        process.exit(1);
    }
}

if (require.main === module) void main();
