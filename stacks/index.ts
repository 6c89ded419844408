import * as pulumi from "@pulumi/pulumi";
import { RetiredSingleServer, SingleServer } from "../components/compute/single-server";
import { StackConfig } from "./config";
import { RegionCell, regionCell, ServingCell } from "./region-cell";
import { ServerWiring, wireServer } from "./server-wiring";
import { sessionSecret } from "./session-secret";
import { stackImage } from "./shop-image";
import { shopRuntimeWiring } from "./shop-runtime";
import { businessSplit } from "./stages/business-split";
import { cloudElastic } from "./stages/cloud-elastic";
import { containers } from "./stages/containers";
import { sharedCache } from "./stages/cache";
import { peerWithHome } from "./stages/multi-region";
import { publicName } from "./stages/public-name";
import { reverseProxy } from "./stages/reverse-proxy";
import { search } from "./stages/search";
import { separateDatabase } from "./stages/separate-database";
import { tableSharding } from "./stages/table-sharding";
import { observe } from "./observability";

export { regionProvider } from "./region-cell";

/**
 * Builds the stack for the configured stage and returns its outputs. Each stage is the one
 * before plus its step; the steps live in `stages/`, one a file, named after the seed.
 *
 * Names are part of the contract: a resource's URN comes from its name and its parents'
 * types, and a changed URN replaces the resource. Region-scoped names carry the region,
 * so later stages add regions without renaming the home region's resources.
 */
export function composeStack(config: StackConfig): Record<string, unknown> {
    const from = (stage: number) => config.stage.number >= stage;
    // Stage 9: a cell per configured region; before it, the home region alone.
    const cells = (from(9) ? config.regions : config.regions.slice(0, 1)).map((region, index) => regionCell(config, region, index));
    const [home] = cells;
    // One image by digest for every server, fleet and pod of every region.
    const image = stackImage(config, home.provider);
    const outputs = {
        stage: { number: config.stage.number, slug: config.stage.slug },
        environment: config.environment,
        // What promotion takes to the next environment: the stage above, and the image's digest.
        image,
        region: home.region,
        vpcId: home.network.vpcId,
    };
    if (!isServing(home)) return { ...outputs, ...watchedServer(config, home, singleServer(config, home, image)) };

    const serving = cells as ServingCell[];
    const others = serving.slice(1);
    // Stage 2: the database moves to Aurora; the server runs the shop alone. Stage 5: it gains readers.
    const database = separateDatabase(config, home, others);
    // Stage 3: a shared cache in front of it.
    const cache = from(3) ? sharedCache(config, home, others) : undefined;
    // Stage 6: catalog and users on databases of their own; the orders stay on the first.
    const split = from(6) ? businessSplit(config, home, others) : undefined;
    // Stage 7: comments on shards.
    const sharding = from(7) ? tableSharding(config, home, others) : undefined;
    // Stage 10: search on OpenSearch, media in S3.
    const searching = from(10) ? search(config, home, others) : undefined;
    const steps = [database, cache, split, sharding, searching].filter((step) => step !== undefined);
    // Every shop process of the stack signs sessions with one key.
    const session = sessionSecret(home, config.protectData);
    // And every process learns its proxies, its metrics port and its pool size (shop-runtime.ts).
    const runtimeIn = (region: string) =>
        shopRuntimeWiring(
            config,
            serving.find((cell) => cell.region === region)!,
        );
    const wiringsIn = (region: string) => [...steps.map((step) => step.wiringIn(region)), session, runtimeIn(region)];
    const dataOutputs = {
        databaseEndpoint: database.cluster.writerEndpoint,
        databaseSecretArn: database.cluster.secretArn,
        ...(from(5) && { databaseReaderEndpoint: database.cluster.readerEndpoint }),
        ...(cache && { cacheEndpoint: cache.cache.primaryEndpoint }),
        ...(split && Object.fromEntries(Object.entries(split.databases).map(([domain, db]) => [`${domain}DatabaseEndpoint`, db.cluster.writerEndpoint]))),
        ...(sharding && { commentShardEndpoints: sharding.shards.map((s) => s.cluster.writerEndpoint) }),
        ...(searching && { searchEndpoint: searching.domain.endpoint, mediaBucketName: searching.media.id }),
    };
    // What the data tier's alarms watch, for the dashboard's rows.
    const dataParts = {
        cache: cache ? [cache.cache.alarms] : [],
        databases: [database, ...Object.values(split?.databases ?? {}), ...(sharding?.shards ?? [])].map((db) => db.cluster.alarms),
        search: searching ? [searching.domain.alarms] : [],
    };
    if (!from(4)) {
        return { ...outputs, ...dataOutputs, ...watchedServer(config, home, singleServer(config, home, image, wiringsIn(home.region)), dataParts) };
    }

    // Stage 4: fleets behind load balancers take over from the single server; only its data volume stays.
    const retired = new RetiredSingleServer("shop-server", serverArgs(config, home, image), { provider: home.provider });
    const name = config.domain && config.hostedZone ? publicName({ ...config, domain: config.domain, hostedZone: config.hostedZone }, cells) : undefined;
    const tiers = serving.map((cell) => ({
        region: cell.region,
        // Stage 14: the services and Nginx move onto Kubernetes; before, fleets of instances.
        ...(from(14)
            ? onKubernetes(config, cell, wiringsIn(cell.region), { image, certificateArn: name?.certificateArnIn(cell.region) })
            : reverseProxy(config, cell, wiringsIn(cell.region), {
                  image,
                  certificateArn: name?.certificateArnIn(cell.region),
                  // Another region's servers write to the home region's primaries, across the peering.
                  egressPeers: cell === home ? undefined : { [home.region]: home.network.cidrBlock },
              })),
    }));
    // Stage 9: the other regions' VPCs peered with the home one.
    peerWithHome(home, others);
    const dns = name?.route(tiers);
    const [homeTier] = tiers;
    const watching = observe(
        config,
        tiers.map((tier, i) => ({
            cell: serving[i],
            logGroups:
                "cluster" in tier
                    ? { pods: { name: tier.cluster.applicationLogGroupName!, fields: "$.log_processed." } }
                    : Object.fromEntries(Object.entries(tier.apps.fleets).map(([key, fleet]) => [key, { name: fleet.logGroupName }])),
            saturation: tier.edge.saturation,
        })),
        {
            ...dataParts,
            entry: [...tiers.map((tier) => tier.edge.alarms), ...(dns ? [dns.alarms] : [])],
            proxy: tiers.flatMap((tier) => ("nginx" in tier ? [tier.nginx.alarms] : [])),
            application: tiers.flatMap((tier) =>
                "apps" in tier
                    ? [
                          tier.apps.internal.alarms,
                          ...(tier.apps.services ? [tier.apps.services.alarms] : []),
                          ...Object.values(tier.apps.fleets).map((f) => f.alarms),
                      ]
                    : [],
            ),
            cluster: tiers.flatMap((tier) => ("cluster" in tier ? [tier.cluster.alarms] : [])),
        },
    );
    return {
        ...outputs,
        ...dataOutputs,
        url: config.domain ? `https://${config.domain}` : homeTier.edge.url,
        loadBalancerDnsName: homeTier.edge.dnsName,
        ...(from(9) && { regionUrls: Object.fromEntries(tiers.map((tier) => [tier.region, tier.edge.url])) }),
        // Stage 14: `aws eks update-kubeconfig --name <cluster> --region <region>` reaches them.
        ...(from(14) && { clusterNames: Object.fromEntries(tiers.map((tier) => [tier.region, "cluster" in tier ? tier.cluster.clusterName : undefined])) }),
        stageOneDataVolumeId: retired.dataVolumeId,
        dashboardName: watching.dashboardName,
    };
}

/** Stage 14: the shop on Kubernetes; stage 15: with capacity that follows demand. */
function onKubernetes(config: StackConfig, cell: ServingCell, wirings: ServerWiring[], options: Parameters<typeof containers>[3]) {
    const platform = containers(config, cell, wirings, options);
    if (config.stage.number >= 15) cloudElastic(config, cell, platform.cluster);
    return platform;
}

function isServing(cell: RegionCell): cell is ServingCell {
    return cell.appGroupId !== undefined;
}

/** The single server's arguments (stages 1-3), also what stage 4 keeps of it. */
function serverArgs(config: StackConfig, home: RegionCell, image: pulumi.Input<string>) {
    return {
        vpcId: home.network.vpcId,
        subnetId: home.network.publicSubnetIds[0],
        availabilityZone: home.network.availabilityZones[0],
        image,
        instanceType: config.sizing.serverInstanceType,
        dataVolumeGiB: config.sizing.dataVolumeGiB,
        protectData: config.protectData,
        domain: config.domain,
        logRetentionDays: config.sizing.logRetentionDays,
    };
}

/** Stages 1-3: one server runs the shop (with its database on the box at stage 1). */
function singleServer(config: StackConfig, home: RegionCell, image: pulumi.Input<string>, wirings: ServerWiring[] = []) {
    const server = new SingleServer(
        "shop-server",
        { ...serverArgs(config, home, image), ...(home.appGroupId && wireServer(home.network.cidrBlock, home.appGroupId, wirings)), alarms: home.alarms },
        { provider: home.provider },
    );
    return server;
}

/** Stages 1-3: the server's outputs, and the stack's signals and dashboard around it. */
function watchedServer(config: StackConfig, home: RegionCell, server: SingleServer, dataParts: Parameters<typeof observe>[2] = {}) {
    const watching = observe(config, [{ cell: home, logGroups: { server: { name: server.logGroupName } }, saturation: server.saturation }], {
        ...dataParts,
        application: [server.alarms],
    });
    return {
        dashboardName: watching.dashboardName,
        url: server.url,
        publicIp: server.publicIp,
        instanceId: server.instanceId,
        dataVolumeId: server.dataVolumeId,
        logGroupName: server.logGroupName,
    };
}
