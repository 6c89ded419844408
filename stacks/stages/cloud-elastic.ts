import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ClusterAutoscaler } from "../../components/containers/cluster-autoscaler";
import { EksCluster } from "../../components/containers/eks-cluster";
import { StackConfig } from "../config";
import { RegionCell } from "../region-cell";

/**
 * Stage 15 (seed 3.15, the cloud's elasticity): capacity follows demand. The Cluster
 * Autoscaler adds nodes when pods cannot be placed (the workloads' autoscalers add pods on
 * CPU) and removes the unneeded ones; each planned peak (`shop-evolution:peaks`, a sales
 * event) raises every node group's floor ahead of it and lowers it after, through scheduled
 * actions; the database readers become Aurora Serverless v2 (see `shopDatabase`), which grow
 * and shrink in half-ACU steps within seconds.
 */
export function cloudElastic(config: StackConfig, cell: RegionCell, cluster: EksCluster): void {
    const { region, provider } = cell;
    new ClusterAutoscaler(
        `shop-${region}-autoscaler`,
        { clusterName: `shop-${pulumi.getStack()}-${region}`, cluster: cluster.clusterName, region },
        { providers: { aws: provider, kubernetes: cluster.provider } },
    );
    const { nodeMinSize, nodeMaxSize } = config.sizing;
    for (const [group, autoscalingGroupName] of Object.entries(cluster.nodeGroupAutoScalingGroups)) {
        for (const peak of config.peaks) {
            new aws.autoscaling.Schedule(
                `shop-${region}-${group}-${peak.name}-start`,
                {
                    autoscalingGroupName,
                    scheduledActionName: `${peak.name}-start`,
                    startTime: peak.start,
                    minSize: peak.nodes,
                    maxSize: Math.max(nodeMaxSize, peak.nodes),
                    desiredCapacity: peak.nodes,
                },
                { provider },
            );
            // After the peak the floor drops back; the autoscaler removes the nodes once they are unneeded. The
            // desired capacity stays as it is: the provider sends an unset one as 0 (below the floor, refused),
            // and -1 is its word for "leave it out of the action".
            new aws.autoscaling.Schedule(
                `shop-${region}-${group}-${peak.name}-end`,
                {
                    autoscalingGroupName,
                    scheduledActionName: `${peak.name}-end`,
                    startTime: peak.end,
                    minSize: nodeMinSize,
                    maxSize: nodeMaxSize,
                    desiredCapacity: -1,
                },
                { provider },
            );
        }
    }
}
