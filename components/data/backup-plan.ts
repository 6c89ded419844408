import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumableBy } from "../iam";
import { isIntIn, Problems } from "../validation";

export interface BackupPlanArgs {
    /** What to back up, by ARN: Aurora clusters, EBS volumes, S3 buckets (versioned: AWS Backup refuses others). */
    resources: pulumi.Input<string>[];
    /**
     * Prod: a daily and a monthly recovery point, and vaults locked in governance mode (a
     * recovery point cannot be deleted or shortened before its time without the governance
     * permission); dev: daily only, no lock, vaults emptied on destroy.
     */
    production: boolean;
    /** Other regions that keep a copy of every recovery point (stage 9 on), each with its provider. */
    copyTo?: { region: string; provider: aws.Provider }[];
    /** Days a daily recovery point is kept (1-35). @default prod 35, dev 7 */
    dailyRetentionDays?: number;
    /** Days a monthly recovery point is kept, prod (90-3650). @default 365 */
    monthlyRetentionDays?: number;
    tags?: Record<string, string>;
}

/** The lock's bounds around the plan's retentions: no recovery point may live less than a week. */
const lockMinimumDays = 7;

/**
 * An AWS Backup plan for a stage's stateful resources: a vault in the home region (and one in
 * each region copies go to), the plan's rules, the selection of resources and the role AWS
 * Backup works with. Aurora and ElastiCache also keep their own automated snapshots (their
 * components' settings); OpenSearch takes hourly automated snapshots of its own, which no
 * setting changes. The restore is drilled by `.github/workflows/restore-drill.yml`.
 */
export class BackupPlan extends pulumi.ComponentResource {
    readonly vaultName: pulumi.Output<string>;
    readonly vaultArn: pulumi.Output<string>;
    readonly planId: pulumi.Output<string>;
    readonly roleArn: pulumi.Output<string>;
    /** Each copy region's vault name. */
    readonly copyVaultNames: Record<string, pulumi.Output<string>> = {};

    constructor(name: string, args: BackupPlanArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before anything registers, so a wrong argument leaves no half-built stack.
        new Problems()
            .check(
                args.dailyRetentionDays !== undefined && !isIntIn(args.dailyRetentionDays, lockMinimumDays, 35),
                `dailyRetentionDays must be an integer from ${lockMinimumDays} to 35 (got ${args.dailyRetentionDays})`,
            )
            .check(
                args.monthlyRetentionDays !== undefined && !isIntIn(args.monthlyRetentionDays, 90, 3650),
                `monthlyRetentionDays must be an integer from 90 to 3650 (got ${args.monthlyRetentionDays})`,
            )
            .check(args.resources.length === 0, "resources must name at least one resource to back up")
            .throwIfAny("BackupPlan", name);
        super("shop:data:BackupPlan", name, {}, opts);
        const parent = { parent: this };
        const tags = args.tags;
        const daily = args.dailyRetentionDays ?? (args.production ? 35 : 7);
        const monthly = args.production ? (args.monthlyRetentionDays ?? 365) : undefined;
        const longest = monthly ?? daily;

        const vault = (key: string, provider?: aws.Provider) => {
            const v = new aws.backup.Vault(key, { forceDestroy: !args.production, tags }, { ...parent, provider, protect: args.production });
            // Governance mode (no changeableForDays): retention bounds enforced, lifted only by
            // the backup:PutBackupVaultLockConfiguration permission, never by a plain delete.
            if (args.production) {
                new aws.backup.VaultLockConfiguration(
                    key,
                    { backupVaultName: v.name, minRetentionDays: lockMinimumDays, maxRetentionDays: longest + 30 },
                    { ...parent, provider },
                );
            }
            return v;
        };
        const home = vault(name);
        const copies = (args.copyTo ?? []).map(({ region, provider }) => {
            const v = vault(`${name}-${region}`, provider);
            this.copyVaultNames[region] = v.name;
            return v;
        });

        const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: assumableBy("backup.amazonaws.com"), tags }, parent);
        const managed = [
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
            "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
            "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
        ];
        managed.forEach((policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-role-${i}`, { role: role.name, policyArn }, parent));

        const rule = (ruleName: string, schedule: string, deleteAfter: number) => ({
            ruleName,
            targetVaultName: home.name,
            schedule,
            // Within an hour of the schedule, done within a day: a long snapshot of a large cluster still counts.
            startWindow: 60,
            completionWindow: 1440,
            lifecycle: { deleteAfter },
            copyActions: copies.map((c) => ({ destinationVaultArn: c.arn, lifecycle: { deleteAfter } })),
        });
        const plan = new aws.backup.Plan(
            name,
            {
                rules: [
                    // 05:00 UTC, after the clusters' own backup windows (03:00-04:00).
                    rule("daily", "cron(0 5 ? * * *)", daily),
                    ...(monthly ? [rule("monthly", "cron(0 5 1 * ? *)", monthly)] : []),
                ],
                tags,
            },
            parent,
        );
        new aws.backup.Selection(`${name}-resources`, { planId: plan.id, iamRoleArn: role.arn, resources: args.resources }, parent);

        this.vaultName = home.name;
        this.vaultArn = home.arn;
        this.planId = plan.id;
        this.roleArn = role.arn;
        this.registerOutputs({ vaultName: this.vaultName, planId: this.planId });
    }
}
