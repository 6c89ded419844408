import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { nextBlock } from "../components/network/cidr";
import { Vpc } from "../components/network/vpc";
import { alarmTopic } from "../components/observability/alarm-topic";
import { AlarmsArgs } from "../components/observability/alarms";
import { StackConfig } from "./config";

/** One region's foundation: its provider, its VPC, and (stage 2 on) the group the data tier admits. */
export interface RegionCell {
    region: string;
    provider: aws.Provider;
    network: Vpc;
    /** The application servers' group, which the data tier admits; from stage 2 on. */
    appGroupId?: pulumi.Output<string>;
    /** What the region's components alarm with: the stack's topic in the region (a CloudWatch alarm notifies its own region's topics only) and the configured rules. */
    alarms: AlarmsArgs & { topicArn: pulumi.Output<string> };
}

/** A cell from stage 2 on, where the application servers have their group. */
export type ServingCell = RegionCell & { appGroupId: pulumi.Output<string> };

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
            natGateways: config.stage.number >= 2 ? config.sizing.natGateways : "none",
            flowLogRetentionDays: config.sizing.logRetentionDays,
        },
        { provider },
    );
    // From stage 2 the data tier admits the application servers by this group, which they wear.
    const appGroup =
        config.stage.number >= 2
            ? new aws.ec2.SecurityGroup(
                  `shop-app-${region}`,
                  { vpcId: network.vpcId, description: "Shop application servers: the group the data tier admits", tags: { Name: `shop-app-${region}` } },
                  { provider },
              )
            : undefined;
    const topic = alarmTopic(`shop-${region}`, { subscribers: config.alarms.subscribers }, { provider });
    return { region, provider, network, appGroupId: appGroup?.id, alarms: { topicArn: topic.arn, rules: config.alarms.rules } };
}

/** The AWS provider of one region; every AWS resource of that region uses it, never the default provider. */
export function regionProvider(region: string, tags: Record<string, string>): aws.Provider {
    return new aws.Provider(`aws-${region}`, { region: region as aws.Region, defaultTags: { tags } });
}
