/**
 * The offline plan's `--diff <old.json>`: what a change of code, config or stage adds,
 * removes and changes, resource by resource (by URN), and loudly what it would do to data:
 * a stateful resource removed, or one whose change makes the provider replace it.
 */
import { statefulTypes } from "../policy/stateful-types";
import { Plan } from "./plan";

/**
 * Inputs of the stateful types that the AWS provider cannot change in place (its schema's
 * force-new fields that this program sets): a change to one replaces the resource. The
 * engine's `pulumi preview` has the provider's last word; this is for offline review.
 */
export const replacingInputs: Record<string, string[]> = {
    "aws:ebs/volume:Volume": ["availabilityZone", "encrypted", "kmsKeyId", "snapshotId"],
    "aws:rds/cluster:Cluster": [
        "engine",
        "databaseName",
        "masterUsername",
        "storageEncrypted",
        "kmsKeyId",
        "dbSubnetGroupName",
        "clusterIdentifier",
        "availabilityZones",
    ],
    "aws:rds/globalCluster:GlobalCluster": ["globalClusterIdentifier", "sourceDbClusterIdentifier", "storageEncrypted"],
    "aws:elasticache/replicationGroup:ReplicationGroup": [
        "replicationGroupId",
        "atRestEncryptionEnabled",
        "kmsKeyId",
        "subnetGroupName",
        "port",
        "globalReplicationGroupId",
    ],
    "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup": ["globalReplicationGroupIdSuffix", "primaryReplicationGroupId"],
    "aws:opensearch/domain:Domain": ["domainName"],
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix"],
    "aws:s3/bucketV2:BucketV2": ["bucket", "bucketPrefix"],
};

type Resource = Plan["resources"][number];

export interface PlanDiff {
    added: Resource[];
    removed: Resource[];
    /** Resources under the same URN whose inputs differ, with the top-level inputs that do. */
    changed: { resource: Resource; inputs: string[] }[];
    /** Stateful resources removed, or changed in an input that replaces them. */
    dataAtRisk: { resource: Resource; why: string }[];
}

export function diffPlans(old: Plan, next: Plan): PlanDiff {
    const before = new Map(old.resources.map((r) => [r.urn, r]));
    const after = new Map(next.resources.map((r) => [r.urn, r]));
    const added = next.resources.filter((r) => !before.has(r.urn));
    const removed = old.resources.filter((r) => !after.has(r.urn));
    const changed = next.resources
        .filter((r) => before.has(r.urn))
        .map((r) => ({ resource: r, inputs: changedInputs(before.get(r.urn)!.inputs, r.inputs) }))
        .filter((c) => c.inputs.length > 0);
    const dataAtRisk = [
        ...removed
            .filter((r) => statefulTypes.includes(r.type))
            .map((resource) => ({ resource, why: "removed: its data is deleted (or kept out of the stack, if retained on delete)" })),
        ...changed.flatMap(({ resource, inputs }) => {
            const replacing = inputs.filter((i) => replacingInputs[resource.type]?.includes(i));
            return replacing.length > 0 ? [{ resource, why: `replaced: ${replacing.join(", ")} cannot change in place` }] : [];
        }),
    ];
    return { added, removed, changed, dataAtRisk };
}

function changedInputs(old: Record<string, unknown>, next: Record<string, unknown>): string[] {
    const keys = [...new Set([...Object.keys(old), ...Object.keys(next)])].sort();
    return keys.filter((k) => JSON.stringify(old[k]) !== JSON.stringify(next[k]));
}

/** The diff for a reviewer: data at risk first and loud, then every addition, removal and change. */
export function renderDiff(old: Plan, next: Plan, diff: PlanDiff): string {
    const label = (p: Plan) => `${p.stack} stage ${p.stage.number} (${p.stage.slug})`;
    const line = (mark: string, r: Resource, extra = "") => `${mark} ${r.type} ${r.name}${r.region ? `  [${r.region}]` : ""}${extra}`;
    return [
        `${label(old)} -> ${label(next)}: ${diff.added.length} to add, ${diff.removed.length} to remove, ${diff.changed.length} to change`,
        ...diff.dataAtRisk.map(({ resource, why }) => `!! DATA AT RISK: ${resource.type} ${resource.name} ${why}`),
        ...diff.added.map((r) => line("+", r)),
        ...diff.removed.map((r) => line("-", r)),
        ...diff.changed.map(({ resource, inputs }) => line("~", resource, `: ${inputs.join(", ")}`)),
    ].join("\n");
}
