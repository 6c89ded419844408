import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RetiredSingleServer, SingleServer } from "../components/compute/single-server";
import { Vpc } from "../components/network/vpc";
import { StackConfig } from "./config";
import { wireServer } from "./server-wiring";
import { businessSplit } from "./stages/business-split";
import { sharedCache } from "./stages/cache";
import { reverseProxy } from "./stages/reverse-proxy";
import { separateDatabase } from "./stages/separate-database";
import { tableSharding } from "./stages/table-sharding";
import { Stage } from "./registry";

/** The stages whose composition exists; the others are refused before anything is registered. */
export const composedStages: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6, 7, 8]);

export class StageNotComposedError extends pulumi.RunError {
    constructor(readonly stage: Stage) {
        super(
            `shop-evolution:stage: stage ${stage.number} (${stage.slug}) is not composed yet; ` +
                `composed stages: ${[...composedStages].join(", ")}`,
        );
        this.name = "StageNotComposedError";
    }
}

/** Refuses a stage that has no composition yet. */
export function assertComposed(stage: Stage): void {
    if (!composedStages.has(stage.number)) throw new StageNotComposedError(stage);
}

/**
 * Builds the stack for the configured stage and returns its outputs.
 *
 * Names are part of the contract: a resource's URN comes from its name and its parents'
 * types, and a changed URN replaces the resource. Region-scoped names carry the region,
 * so later stages add regions without renaming the home region's resources.
 */
export function composeStack(config: StackConfig): Record<string, unknown> {
    assertComposed(config.stage);
    const [homeRegion] = config.regions;
    const provider = regionProvider(homeRegion, config.tags);

    const network = new Vpc(
        `shop-${homeRegion}`,
        {
            cidrBlock: config.vpcCidr,
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
            ? new aws.ec2.SecurityGroup(`shop-app-${homeRegion}`, { vpcId: network.vpcId, description: "Shop application servers: the group the data tier admits", tags: { Name: `shop-app-${homeRegion}` } }, { provider })
            : undefined;
    const from = (stage: number) => appGroup !== undefined && config.stage.number >= stage;
    // Stage 2: the database moves to Aurora; the server runs the shop alone. Stage 5: it gains readers.
    const database = appGroup && separateDatabase(config, homeRegion, network, appGroup.id, provider);
    // Stage 3: a shared cache in front of it.
    const cache = from(3) ? sharedCache(config, homeRegion, network, appGroup!.id, provider) : undefined;
    // Stage 6: catalog and users on databases of their own; the orders stay on the first.
    const split = from(6) ? businessSplit(config, homeRegion, network, appGroup!.id, provider) : undefined;
    // Stage 7: comments on shards.
    const sharding = from(7) ? tableSharding(config, homeRegion, network, appGroup!.id, provider) : undefined;
    const wirings = [database?.wiring, cache?.wiring, split?.wiring, sharding?.wiring].filter((w) => w !== undefined);

    const serverArgs = {
        vpcId: network.vpcId,
        subnetId: network.publicSubnetIds[0],
        availabilityZone: network.availabilityZones[0],
        image: config.image,
        instanceType: config.sizing.serverInstanceType,
        dataVolumeGiB: config.sizing.dataVolumeGiB,
        protectData: config.protectData,
        domain: config.domain,
        logRetentionDays: config.sizing.logRetentionDays,
    };
    const outputs = {
        stage: { number: config.stage.number, slug: config.stage.slug },
        environment: config.environment,
        region: homeRegion,
        vpcId: network.vpcId,
        ...(database && { databaseEndpoint: database.cluster.writerEndpoint, databaseSecretArn: database.cluster.secretArn }),
        ...(database && config.stage.number >= 5 && { databaseReaderEndpoint: database.cluster.readerEndpoint }),
        ...(cache && { cacheEndpoint: cache.cache.primaryEndpoint }),
        ...(split && Object.fromEntries(Object.entries(split.databases).map(([domain, db]) => [`${domain}DatabaseEndpoint`, db.cluster.writerEndpoint]))),
        ...(sharding && { commentShardEndpoints: sharding.shards.map((s) => s.cluster.writerEndpoint) }),
    };

    // Stage 4: fleets behind load balancers take over from the single server; only its data volume stays.
    if (appGroup && config.stage.number >= 4) {
        const retired = new RetiredSingleServer("shop-server", serverArgs, { provider });
        const tier = reverseProxy(config, homeRegion, network, appGroup.id, wirings, provider);
        return { ...outputs, url: tier.edge.url, loadBalancerDnsName: tier.edge.dnsName, stageOneDataVolumeId: retired.dataVolumeId };
    }
    const server = new SingleServer("shop-server", { ...serverArgs, ...(appGroup && wireServer(network.cidrBlock, appGroup.id, wirings)) }, { provider });
    return {
        ...outputs,
        url: server.url,
        publicIp: server.publicIp,
        instanceId: server.instanceId,
        dataVolumeId: server.dataVolumeId,
        logGroupName: server.logGroupName,
    };
}

/** The AWS provider of one region; every AWS resource of that region uses it, never the default provider. */
export function regionProvider(region: string, tags: Record<string, string>): aws.Provider {
    return new aws.Provider(`aws-${region}`, { region: region as aws.Region, defaultTags: { tags } });
}
