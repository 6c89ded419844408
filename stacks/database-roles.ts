import * as pulumi from "@pulumi/pulumi";
import { SharedCredential } from "../components/data/aurora-cluster";
import { StackConfig } from "./config";
import { generatedSecret } from "./generated-secret";
import { DataDomain, dataDomains, storeOf } from "./ownership";
import { ServingCell } from "./region-cell";
import { ServerWiring } from "./server-wiring";
import { ShopDatabase } from "./shop-database";
import { switchedOn } from "./registry";

/** The shop's databases at a stage: the first (stage 2), the split ones (stage 6), the comment shards (stage 7). */
export interface ShopDatabases {
    main: ShopDatabase;
    split?: Record<"catalog" | "users", ShopDatabase>;
    sharding?: { shards: ShopDatabase[]; credential: SharedCredential };
}

/** The database role a domain's processes sign in as (created by its migration function). */
export function roleName(domain: DataDomain): string {
    return `shop_${domain}`;
}

type SecretRef = ServerWiring["secrets"][string];

/**
 * Least privilege in the databases, from stage 2 (the first managed database; at stage 1 the
 * shop's own PostgreSQL on the box is the shop's alone). Each domain has an application role,
 * `shop_<domain>`, with rights on its own tables only, and a password of the program's making in
 * a secret of its own (`shop-role-<domain>-<home region>`). The processes sign in as those roles,
 * one pool per domain, and never see a master credential: their wiring (`wiringsIn`) names each
 * domain's writer (and readers, stage 5 on) with the role as the user, and the role's password.
 * The master credentials go only to the domains' migration functions (`migrationWirings`, the
 * same variables with the master user, and the role's password in `SHOP_ROLE_PASSWORD_<DOMAIN>`),
 * which create the roles. The comments are always given as shard URLs: one, the catalog's
 * database, until stage 7 brings the shards.
 */
export function databaseRoles(
    config: StackConfig,
    home: ServingCell,
    databases: ShopDatabases,
): { wiringsIn(region: string): ServerWiring[]; migrationWirings: ServerWiring[] } {
    const stage = config.stage.number;
    const opts = { provider: home.provider, protect: config.protectData };
    const roles = Object.fromEntries(
        dataDomains.map((domain) => [
            domain,
            generatedSecret(`shop-role-${domain}-${home.region}`, { description: `Password of the ${roleName(domain)} database role` }, opts),
        ]),
    ) as Record<DataDomain, { secretArn: pulumi.Output<string>; value: pulumi.Output<string>; version: pulumi.Output<string> }>;
    const databaseOf = (domain: "catalog" | "orders" | "users"): ShopDatabase => {
        const store = storeOf(domain, stage);
        return store === "main" ? databases.main : databases.split![store as "catalog" | "users"];
    };
    const masterOf = (db: ShopDatabase): SecretRef => ({
        secretArn: db.cluster.secretArn,
        jsonKey: "password",
        value: db.cluster.masterPassword,
        version: db.cluster.secretVersion,
    });
    // The comments: on the shards from stage 7, with the catalog before (one "shard", the catalog's database).
    const commentDatabases = databases.sharding?.shards ?? [databaseOf("catalog")];
    const commentMaster: SecretRef = databases.sharding
        ? {
              secretArn: databases.sharding.credential.secretArn,
              jsonKey: "password",
              value: databases.sharding.credential.password,
              version: databases.sharding.credential.version,
          }
        : masterOf(databaseOf("catalog"));
    const shardUrls = (user?: string) => pulumi.all(commentDatabases.map((db) => db.writerUrl(user))).apply((urls) => urls.join(","));
    const database = { egressPorts: [5432], rdsCertificates: true };

    const wiringsIn = (region: string): ServerWiring[] =>
        dataDomains.map((domain) => {
            const role = roles[domain];
            const password = { secretArn: role.secretArn, value: role.value, version: role.version };
            if (domain === "comments") {
                return {
                    domain,
                    environment: { SHOP_COMMENT_SHARD_URLS: shardUrls(roleName(domain)) },
                    secrets: { SHOP_COMMENT_SHARD_PASSWORD: password },
                    ...database,
                };
            }
            const db = databaseOf(domain);
            const upper = domain.toUpperCase();
            return {
                domain,
                environment: {
                    [`SHOP_DATABASE_URL_${upper}`]: db.writerUrl(roleName(domain)),
                    ...(switchedOn(stage, "readReplicas") && { [`SHOP_DATABASE_READER_URLS_${upper}`]: db.readerUrlIn(region, roleName(domain)) }),
                },
                secrets: { [`SHOP_DATABASE_PASSWORD_${upper}`]: password },
                ...database,
            };
        });

    const migrationWirings = dataDomains.map((domain): ServerWiring => {
        const role = roles[domain];
        const upper = domain.toUpperCase();
        const rolePassword = { [`SHOP_ROLE_PASSWORD_${upper}`]: { secretArn: role.secretArn, value: role.value, version: role.version } };
        if (domain === "comments") {
            return {
                domain,
                environment: { SHOP_COMMENT_SHARD_URLS: shardUrls() },
                secrets: { SHOP_COMMENT_SHARD_PASSWORD: commentMaster, ...rolePassword },
                ...database,
            };
        }
        const db = databaseOf(domain);
        return {
            domain,
            environment: { [`SHOP_DATABASE_URL_${upper}`]: db.writerUrl() },
            secrets: { [`SHOP_DATABASE_PASSWORD_${upper}`]: masterOf(db), ...rolePassword },
            ...database,
        };
    });
    return { wiringsIn, migrationWirings };
}
