/**
 * The offline plan's `--diff <old.json>`: what a change of code, config or stage adds,
 * removes and changes, resource by resource (by URN, or by an alias that names the old URN,
 * as the engine matches them), and loudly what it would do to data: a stateful resource
 * removed, or one whose change makes the provider replace it.
 */
import { statefulTypes } from "../policy/stateful-types";
import { Plan, PlanResource } from "./plan";
import { unknownText } from "./plan-file";

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
    // Not stateful themselves, but the name of each is a force-new input of a stateful resource
    // (a cluster's dbSubnetGroupName, a replication group's subnetGroupName): replacing one replaces it.
    "aws:rds/subnetGroup:SubnetGroup": ["name", "namePrefix"],
    "aws:elasticache/subnetGroup:SubnetGroup": ["name"],
    "aws:kms/key:Key": ["customerMasterKeySpec", "keyUsage", "multiRegion"],
};

type Resource = PlanResource;

export interface PlanDiff {
    added: Resource[];
    /** Resources under a new URN whose alias names their URN in the old plan: the same resource, not removed and added. */
    moved: { resource: Resource; from: string }[];
    removed: Resource[];
    /** Resources under the same URN whose inputs differ, with the top-level inputs that do. */
    changed: { resource: Resource; inputs: string[] }[];
    /**
     * Resources under the same URN that the engine would replace: changed in an input the provider
     * cannot change in place, or whose such input comes from a resource that is itself new or replaced
     * (its value unknown until apply, so the plans alone compare it as equal).
     */
    replaced: { resource: Resource; why: string }[];
    /** Stateful resources removed or replaced. */
    dataAtRisk: { resource: Resource; why: string }[];
}

/**
 * The old plan's resource that each of the new plan's resources continues, by the new URN: the one
 * under the same URN, else the one an alias names (when no new resource holds that URN itself).
 */
export function continuedFrom(old: Plan, next: Plan): Map<string, Resource> {
    const before = new Map(old.resources.map((r) => [r.urn, r]));
    const after = new Set(next.resources.map((r) => r.urn));
    const continued = new Map<string, Resource>();
    for (const r of next.resources) {
        const urn = before.has(r.urn) ? r.urn : (r.aliases ?? []).find((alias) => before.has(alias) && !after.has(alias));
        if (urn !== undefined) continued.set(r.urn, before.get(urn)!);
    }
    return continued;
}

export function diffPlans(old: Plan, next: Plan): PlanDiff {
    const previous = continuedFrom(old, next);
    const kept = new Set([...previous.values()].map((r) => r.urn));
    const added = next.resources.filter((r) => !previous.has(r.urn));
    const moved = next.resources
        .filter((r) => previous.has(r.urn) && previous.get(r.urn)!.urn !== r.urn)
        .map((r) => ({ resource: r, from: previous.get(r.urn)!.urn }));
    const removed = old.resources.filter((r) => !kept.has(r.urn));
    const changed = next.resources
        .filter((r) => previous.has(r.urn))
        .map((r) => ({ resource: r, inputs: changedInputs(previous.get(r.urn)!.inputs, r.inputs) }))
        .filter((c) => c.inputs.length > 0);
    const replaced = replacements(previous, next, added, changed);
    const dataAtRisk = [
        ...removed
            .filter((r) => statefulTypes.includes(r.type))
            .map((resource) => ({ resource, why: "removed: its data is deleted (or kept out of the stack, if retained on delete)" })),
        ...replaced.filter(({ resource }) => statefulTypes.includes(resource.type)),
    ];
    return { added, moved, removed, changed, replaced, dataAtRisk };
}

/**
 * Replacements, carried on to every resource whose replacing input comes from a new or replaced
 * resource (by the new plan's input dependencies, when it has them), until nothing more changes.
 */
function replacements(previous: Map<string, Resource>, next: Plan, added: Resource[], changed: { resource: Resource; inputs: string[] }[]) {
    const replaced = new Map<string, { resource: Resource; why: string }>();
    for (const { resource, inputs } of changed) {
        const replacing = inputs.filter((i) => replacingInputs[resource.type]?.includes(i));
        if (replacing.length > 0) replaced.set(resource.urn, { resource, why: `replaced: ${replacing.join(", ")} cannot change in place` });
    }
    const fresh = new Set(added.map((r) => r.urn));
    const byUrn = new Map(next.resources.map((r) => [r.urn, r]));
    for (let grew = true; grew;) {
        grew = false;
        for (const resource of next.resources) {
            if (replaced.has(resource.urn) || !previous.has(resource.urn)) continue;
            for (const input of replacingInputs[resource.type] ?? []) {
                const source = (resource.inputDependencies?.[input] ?? []).find((dep) => fresh.has(dep) || replaced.has(dep));
                if (source === undefined || !JSON.stringify(resource.inputs[input] ?? null).includes(unknownText)) continue;
                const from = byUrn.get(source);
                const how = fresh.has(source) ? "new" : "replaced";
                replaced.set(resource.urn, {
                    resource,
                    why: `replaced: ${input} comes from ${from?.type ?? "a resource"} ${from?.name ?? source}, which is ${how} (its value known only after apply)`,
                });
                grew = true;
                break;
            }
        }
    }
    return [...replaced.values()];
}

function changedInputs(old: Record<string, unknown>, next: Record<string, unknown>): string[] {
    const keys = [...new Set([...Object.keys(old), ...Object.keys(next)])].sort();
    return keys.filter((k) => JSON.stringify(old[k]) !== JSON.stringify(next[k]));
}

export interface RenderOptions {
    /** At most this many characters (GitHub's comment holds 65,536): whole lines kept, the rest counted in a last line. */
    maxChars?: number;
    /** Hide account ids, ARNs and AWS endpoints (for comments on public pull requests). */
    redact?: boolean;
}

/** A value for one side of `old -> new`: JSON, shortened past 120 characters. */
function shown(value: unknown): string {
    const text = value === undefined ? "(unset)" : JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Account ids, ARNs and AWS endpoints replaced by placeholders; types, names and values otherwise kept. */
export function redact(text: string): string {
    return text
        .replace(/arn:aws[a-z-]*:[^\s"',)\]]+/g, "arn:(redacted)")
        .replace(/\b[a-z0-9][a-z0-9.-]*\.amazonaws\.com\b/g, "(redacted).amazonaws.com")
        .replace(/\b\d{12}\b/g, "(account)");
}

/**
 * The diff for a reviewer: the verdict and data at risk first and loud, then every replacement,
 * addition, removal and change, each changed input as `old -> new`.
 */
export function renderDiff(old: Plan, next: Plan, diff: PlanDiff, options: RenderOptions = {}): string {
    const label = (p: Plan) => `${p.stack} stage ${p.stage.number} (${p.stage.slug})`;
    const line = (mark: string, r: Resource, extra = "") => `${mark} ${r.type} ${r.name}${r.region ? `  [${r.region}]` : ""}${extra}`;
    const before = new Map(old.resources.map((r) => [r.urn, r]));
    const movedFrom = new Map(diff.moved.map(({ resource, from }) => [resource.urn, from]));
    const oldInputs = (r: Resource) => before.get(movedFrom.get(r.urn) ?? r.urn)?.inputs ?? {};
    const lines = [
        `${label(old)} -> ${label(next)}: ${diff.added.length} to add, ${diff.removed.length} to remove, ${diff.changed.length} to change, ${diff.replaced.length} to replace${diff.moved.length > 0 ? `, ${diff.moved.length} moved (by alias)` : ""}`,
        ...diff.dataAtRisk.map(({ resource, why }) => `!! DATA AT RISK: ${resource.type} ${resource.name} ${why}`),
        ...diff.replaced.filter((r) => !statefulTypes.includes(r.resource.type)).map(({ resource, why }) => line("+-", resource, `: ${why}`)),
        ...diff.added.map((r) => line("+", r)),
        ...diff.removed.map((r) => line("-", r)),
        ...diff.moved.map(({ resource, from }) => line(">", resource, `: moved from ${from}`)),
        ...diff.changed.flatMap(({ resource, inputs }) => [
            line("~", resource, `: ${inputs.join(", ")}`),
            ...inputs.map((i) => `    ${i}: ${shown(oldInputs(resource)[i])} -> ${shown(resource.inputs[i])}`),
        ]),
    ].map((l) => (options.redact ? redact(l) : l));
    return capped(lines, options.maxChars);
}

/** Whole lines up to `maxChars`, and a last line saying how many were left out. */
function capped(lines: string[], maxChars?: number): string {
    if (maxChars === undefined || lines.join("\n").length <= maxChars) return lines.join("\n");
    const kept: string[] = [];
    let size = 0;
    const room = maxChars - 100;
    for (const l of lines) {
        if (size + l.length + 1 > room) break;
        kept.push(l);
        size += l.length + 1;
    }
    return [...kept, `... ${lines.length - kept.length} more lines left out to fit (the whole diff: npm run plan -- --diff)`].join("\n");
}
