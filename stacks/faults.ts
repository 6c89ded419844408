import * as pulumi from "@pulumi/pulumi";
import { AuroraCluster } from "../components/data/aurora-cluster";
import { RedisCache } from "../components/data/redis-cache";
import { FaultExperiments } from "../components/operations/fault-experiments";
import { StackConfig } from "./config";
import { RegionCell } from "./region-cell";
import { switchedOn } from "./registry";

/**
 * The stage's faults as AWS FIS experiment templates in the home region (issue 25), each stopped
 * by the home region's SLO burn-rate alerts: the single server stopped (stages 1-3), half of each
 * fleet terminated (4-13), every database failed over to a reader (from stage 5, when there is
 * one), the cache's zone losing power (where the cache has a replica in another zone), half of the
 * nodes terminated (14-15). The same faults the shop's tests and the lab drill locally.
 */
export function faultExperiments(
    config: StackConfig,
    home: RegionCell,
    stopAlarmArns: pulumi.Output<string>[],
    targets: {
        serverArn?: pulumi.Input<string>;
        fleetGroupNames?: pulumi.Input<string>[];
        clusters?: AuroraCluster[];
        cache?: RedisCache;
        nodegroupArns?: pulumi.Input<string>[];
    },
): Record<string, unknown> {
    if (stopAlarmArns.length === 0) return {};
    const withReplica = targets.cache && config.sizing.cacheReplicas > 0;
    const faults = new FaultExperiments(
        "shop-faults",
        {
            stopAlarmArns,
            serverArn: targets.serverArn,
            fleetGroupNames: targets.fleetGroupNames,
            clusterArns: switchedOn(config.stage, "readReplicas") ? targets.clusters?.map((c) => c.clusterArn) : undefined,
            cacheGroupArns: withReplica ? [targets.cache!.replicationGroupArn] : undefined,
            zone: withReplica ? `${home.region}a` : undefined,
            nodegroupArns: targets.nodegroupArns,
        },
        { provider: home.provider },
    );
    return { faultExperimentTemplates: faults.templateIds };
}
