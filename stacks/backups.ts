import * as pulumi from "@pulumi/pulumi";
import { BackupPlan } from "../components/data/backup-plan";
import { StackConfig } from "./config";
import { RegionCell } from "./region-cell";

/**
 * The stage's backups: every stateful resource that holds the shop's data in the home region
 * (stage 1's data volume, kept at every stage; the Aurora clusters from stage 2; the media
 * bucket from stage 10) in one AWS Backup plan. With data protection (prod): daily and monthly
 * recovery points in locked vaults, copied to every other region from stage 9; without (dev):
 * daily, unlocked. Exported as the stack's `backup` output for the restore drill.
 */
export function backups(
    config: StackConfig,
    home: RegionCell,
    others: RegionCell[],
    resources: pulumi.Input<string>[],
    /** Each Aurora cluster with the secret of its master user: what the restore drill signs in with. */
    databases: { arn: pulumi.Input<string>; secretArn: pulumi.Input<string> }[] = [],
) {
    const plan = new BackupPlan(
        "shop-backup",
        {
            resources,
            production: config.protectData,
            copyTo: config.protectData ? others.map((cell) => ({ region: cell.region, provider: cell.provider })) : [],
        },
        { provider: home.provider },
    );
    return {
        backup: {
            vaultName: plan.vaultName,
            planId: plan.planId,
            roleArn: plan.roleArn,
            region: home.region,
            resources,
            databases,
            copyVaults: plan.copyVaultNames,
        },
    };
}
