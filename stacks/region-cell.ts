import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { nextBlock } from "../components/network/cidr";
import { Vpc } from "../components/network/vpc";
import { alarmTopic } from "../components/observability/alarm-topic";
import { AlarmsArgs } from "../components/observability/alarms";
import { StackConfig } from "./config";
import { DataDomain } from "./ownership";
import { appsOwning, shopApps } from "./service-layout";
import { switchedOn } from "./registry";

/** One region's foundation: its provider, its VPC, and (stage 2 on) the group the data tier admits. */
export interface RegionCell {
    region: string;
    provider: aws.Provider;
    network: Vpc;
    /** The application servers' group, which the data tier admits; from stage 2 on. From stage 11, the entry app's. */
    appGroupId?: pulumi.Output<string>;
    /**
     * The group each app of the stage wears (its fleet's instances; from stage 14 its pods, by a
     * security group policy), by the app's key in `shopApps`; `app` is `appGroupId`. From stage 2 on.
     */
    appGroups?: Record<string, pulumi.Output<string>>;
    /** The home region's only: the group of each domain's migration function (stacks/migrations.ts), which that domain's stores admit. */
    migrationGroups?: Partial<Record<DataDomain, pulumi.Output<string>>>;
    /** What the region's components alarm with: the stack's topic in the region (a CloudWatch alarm notifies its own region's topics only) and the configured rules. */
    alarms: AlarmsArgs & { topicArn: pulumi.Output<string> };
}

/** A cell from stage 2 on, where the application servers have their group. */
export type ServingCell = RegionCell & { appGroupId: pulumi.Output<string>; appGroups: Record<string, pulumi.Output<string>> };

/**
 * The foundation of the `index`th region of the stack (0: the home region). Names carry the
 * region, so adding a region renames nothing; each VPC takes the next block of the home
 * range's size, so that the regions can be peered.
 */
export function regionCell(config: StackConfig, region: string, index: number): RegionCell {
    const provider = regionProvider(region, config.tags);
    const network = new Vpc(
        `shop-${region}`,
        {
            cidrBlock: index === 0 ? config.vpcCidr : nextBlock(config.vpcCidr, index),
            azCount: config.sizing.azCount,
            // Stage 1 has nothing in the private subnets yet: NAT gateways come with the first private server (stage 2).
            natGateways: switchedOn(config.stage, "separateDatabase") ? config.sizing.natGateways : "none",
            flowLogRetentionDays: config.sizing.logRetentionDays,
        },
        { provider },
    );
    // From stage 2 the data tier admits the application servers by this group, which they wear.
    const appGroup = switchedOn(config.stage, "separateDatabase")
        ? new aws.ec2.SecurityGroup(
              `shop-app-${region}`,
              { vpcId: network.vpcId, description: "Shop application servers: the group the data tier admits", tags: { Name: `shop-app-${region}` } },
              { provider },
          )
        : undefined;
    // From stage 11 each app wears a group of its own, which only its domains' stores admit; the entry app keeps the first.
    const appGroups = appGroup
        ? Object.fromEntries(
              Object.keys(shopApps(config.stage.number)).map((key) => [
                  key,
                  key === "app"
                      ? appGroup.id
                      : new aws.ec2.SecurityGroup(
                            `shop-app-${key}-${region}`,
                            {
                                vpcId: network.vpcId,
                                description: `Shop ${key} application: the group its domains' data stores admit`,
                                tags: { Name: `shop-app-${key}-${region}` },
                            },
                            { provider },
                        ).id,
              ]),
          )
        : undefined;
    const topic = alarmTopic(`shop-${region}`, { subscribers: config.alarms.subscribers }, { provider });
    return { region, provider, network, appGroupId: appGroup?.id, appGroups, alarms: { topicArn: topic.arn, rules: config.alarms.rules } };
}

/**
 * The groups a data store holding these domains admits, keyed (the key names the rule): the
 * groups of the apps that own one of them (every app owns every domain before stage 11), and in
 * the home region their migration functions'.
 */
export function admittedGroups(cell: ServingCell, stage: number, domains: readonly DataDomain[]): Record<string, pulumi.Output<string>> {
    const owners = [...new Set(domains.flatMap((domain) => appsOwning(stage, domain)))];
    const migrations = domains.flatMap((domain) => {
        const group = cell.migrationGroups?.[domain];
        return group ? [[`migrate-${domain}`, group] as const] : [];
    });
    return { ...Object.fromEntries(owners.map((key) => [key, cell.appGroups[key]])), ...Object.fromEntries(migrations) };
}

/** The AWS provider of one region; every AWS resource of that region uses it, never the default provider. */
export function regionProvider(region: string, tags: Record<string, string>): aws.Provider {
    return new aws.Provider(`aws-${region}`, { region: region as aws.Region, defaultTags: { tags } });
}
