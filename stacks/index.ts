import * as pulumi from "@pulumi/pulumi";
import { RetiredSingleServer, SingleServer } from "../components/compute/single-server";
import { StackConfig } from "./config";
import { databaseRoles } from "./database-roles";
import { migrationFunctions, migrationGroups } from "./migrations";
import { Capability, switchedOn } from "./registry";
import { RegionCell, regionCell, ServingCell } from "./region-cell";
import { ServerWiring, wireServer } from "./server-wiring";
import { sessionSecret } from "./session-secret";
import { backups } from "./backups";
import { failoverTargets } from "./failover";
import { faultExperiments } from "./faults";
import { stackImage } from "./shop-image";
import { shopRuntimeWiring } from "./shop-runtime";
import { featureFlagsWiring } from "./feature-flags";
import { tracingWiring } from "./tracing";
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
    const on = (capability: Capability) => switchedOn(config.stage, capability);
    // Stage 9: a cell per configured region; before it, the home region alone.
    const cells = (on("multiRegion") ? config.regions : config.regions.slice(0, 1)).map((region, index) => regionCell(config, region, index));
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
    if (!isServing(home)) {
        const server = singleServer(config, home, image);
        const watched = watchedServer(config, home, server);
        return {
            ...outputs,
            ...watched,
            ...backups(config, home, [], [server.dataVolumeArn]),
            ...faultExperiments(config, home, watched.stopAlarmArns, { serverArn: server.instanceArn }),
        };
    }

    const serving = cells as ServingCell[];
    const others = serving.slice(1);
    // Each domain's migrations run in a function of its own in the home region, which that domain's stores admit.
    const migrationHome = { ...home, migrationGroups: migrationGroups(home) };
    // Stage 2: the database moves to Aurora; the server runs the shop alone. Stage 5: it gains readers.
    const database = separateDatabase(config, migrationHome, others);
    // Stage 3: a shared cache in front of it.
    const cache = on("cache") ? sharedCache(config, home, others) : undefined;
    // Stage 6: catalog and users on databases of their own; the orders stay on the first.
    const split = on("businessSplit") ? businessSplit(config, migrationHome, others) : undefined;
    // Stage 7: comments on shards.
    const sharding = on("tableSharding") ? tableSharding(config, migrationHome, others) : undefined;
    // Stage 10: search on OpenSearch, media in S3.
    const searching = on("search") ? search(config, migrationHome, others) : undefined;
    // The processes sign in as each domain's role; only the migration functions get the master credentials.
    const roles = databaseRoles(config, home, { main: database, split: split?.databases, sharding });
    const steps = [cache, searching].filter((step) => step !== undefined);
    // Every shop process of the stack signs sessions with one key.
    const session = sessionSecret(home, config.protectData);
    // And every process learns its proxies, its metrics port and its pool size (shop-runtime.ts).
    const runtimeIn = (region: string) =>
        shopRuntimeWiring(
            config,
            serving.find((cell) => cell.region === region)!,
        );
    // Stage 11 on: the feature flags of the config center, one parameter a region.
    const flagsIn = memoized((region: string) => featureFlagsWiring(region, cells.find((cell) => cell.region === region)!.provider));
    // Stage 12: every process sends its spans to a collector beside it, which sends them to X-Ray (tracing.ts).
    const tracing = on("sharedServices") ? [tracingWiring(config)] : [];
    const wiringsIn = (region: string) => [
        ...roles.wiringsIn(region),
        ...steps.flatMap((step) => step.wiringIn(region)),
        session,
        runtimeIn(region),
        ...(on("splitApps") ? [flagsIn(region)] : []),
        ...tracing,
    ];
    // The migrations run before any server, fleet or pod rolls onto a new image or configuration.
    const migrated = migrationFunctions(config, migrationHome, image, [...roles.migrationWirings, ...(searching ? [searching.migrationWiring] : [])]);
    const dataOutputs = {
        databaseEndpoint: database.cluster.writerEndpoint,
        databaseSecretArn: database.cluster.secretArn,
        ...(on("readReplicas") && { databaseReaderEndpoint: database.cluster.readerEndpoint }),
        ...(cache && { cacheEndpoint: cache.cache.primaryEndpoint }),
        ...(split && Object.fromEntries(Object.entries(split.databases).map(([domain, db]) => [`${domain}DatabaseEndpoint`, db.cluster.writerEndpoint]))),
        ...(sharding && { commentShardEndpoints: sharding.shards.map((s) => s.cluster.writerEndpoint) }),
        ...(searching && { searchEndpoint: searching.domain.endpoint, mediaBucketName: searching.media.id }),
    };
    // The clusters that hold the shop's data (home primaries; the other regions' copies are theirs) and, from stage 10, its media.
    const clusters = [
        database.cluster,
        ...Object.values(split?.databases ?? {}).map((db) => db.cluster),
        ...(sharding?.shards.map((shard) => shard.cluster) ?? []),
    ];
    const dataArns = [...clusters.map((c) => c.clusterArn), ...(searching ? [searching.media.arn] : [])];
    const databases = clusters.map((c) => ({ arn: c.clusterArn, secretArn: c.secretArn }));
    // What the data tier's alarms watch, for the dashboard's rows.
    const dataParts = {
        cache: cache ? [cache.cache.alarms] : [],
        databases: clusters.map((cluster) => cluster.alarms),
        search: searching ? [searching.domain.alarms] : [],
    };
    if (!on("reverseProxy")) {
        const server = singleServer(config, home, image, wiringsIn(home.region), migrated);
        const watched = watchedServer(config, home, server, dataParts);
        return {
            ...outputs,
            ...dataOutputs,
            ...watched,
            ...backups(config, home, others, [server.dataVolumeArn, ...dataArns], databases),
            ...faultExperiments(config, home, watched.stopAlarmArns, { serverArn: server.instanceArn, clusters, cache: cache?.cache }),
        };
    }

    // Stage 4: fleets behind load balancers take over from the single server; only its data volume stays.
    const retired = new RetiredSingleServer("shop-server", serverArgs(config, home, image), { provider: home.provider });
    const name = config.domain && config.hostedZone ? publicName({ ...config, domain: config.domain, hostedZone: config.hostedZone }, cells) : undefined;
    const tiers = serving.map((cell) => ({
        region: cell.region,
        // Stage 14: the services and Nginx move onto Kubernetes; before, fleets of instances.
        ...(on("containers")
            ? onKubernetes(config, cell, wiringsIn(cell.region), {
                  image,
                  certificateArn: name?.certificateArnIn(cell.region),
                  after: migrated,
                  egressPeers: cell === home ? undefined : { [home.region]: home.network.cidrBlock },
              })
            : reverseProxy(config, cell, wiringsIn(cell.region), {
                  image,
                  after: migrated,
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
        ...(on("multiRegion") && { regionUrls: Object.fromEntries(tiers.map((tier) => [tier.region, tier.edge.url])) }),
        // Stage 14: `aws eks update-kubeconfig --name <cluster> --region <region>` reaches them.
        ...(on("containers") && {
            clusterNames: Object.fromEntries(tiers.map((tier) => [tier.region, "cluster" in tier ? tier.cluster.clusterName : undefined])),
        }),
        stageOneDataVolumeId: retired.dataVolumeId,
        ...backups(config, home, others, [retired.dataVolumeArn, ...dataArns], databases),
        ...failoverTargets(home.region, clusters, cache?.cache),
        ...faultExperiments(config, home, watching.stopAlarmArns, {
            fleetGroupNames: "apps" in homeTier ? Object.values(homeTier.apps.fleets).map((fleet) => fleet.autoScalingGroupName) : undefined,
            clusters,
            cache: cache?.cache,
            nodegroupArns: "cluster" in homeTier ? homeTier.cluster.nodegroupArns : undefined,
        }),
        dashboardName: watching.dashboardName,
    };
}

/** Stage 14: the shop on Kubernetes; stage 15: with capacity that follows demand. */
function onKubernetes(config: StackConfig, cell: ServingCell, wirings: ServerWiring[], options: Parameters<typeof containers>[3]) {
    const platform = containers(config, cell, wirings, options);
    if (switchedOn(config.stage, "nodeAutoscaling")) cloudElastic(config, cell, platform.cluster);
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
function singleServer(config: StackConfig, home: RegionCell, image: pulumi.Input<string>, wirings: ServerWiring[] = [], after: pulumi.Resource[] = []) {
    const server = new SingleServer(
        "shop-server",
        { ...serverArgs(config, home, image), ...(home.appGroupId && wireServer(home.network.cidrBlock, home.appGroupId, wirings)), alarms: home.alarms },
        { provider: home.provider, dependsOn: after },
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
        stopAlarmArns: watching.stopAlarmArns,
        url: server.url,
        publicIp: server.publicIp,
        instanceId: server.instanceId,
        dataVolumeId: server.dataVolumeId,
        dataVolumeArn: server.dataVolumeArn,
        logGroupName: server.logGroupName,
    };
}

/** `make` called once per key: a region's resources are declared once, however often its wiring is asked for. */
function memoized<T>(make: (key: string) => T): (key: string) => T {
    const made = new Map<string, T>();
    return (key) => {
        if (!made.has(key)) made.set(key, make(key));
        return made.get(key)!;
    };
}
