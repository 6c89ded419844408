import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { EksAddonName, eksAddonNames } from "../components/containers/eks-versions";
import { digestReference } from "../components/containers/shop-image";
import { cidrsOverlap, nextBlock } from "../components/network/cidr";
import { alarmKinds, AlarmRuleOverrides, ruleProblems } from "../components/observability/alarm-rules";
import { Subscriber } from "../components/observability/alarm-topic";
import { Slo, sloDefaults, sloProblems } from "../components/observability/shop-signals";
import { awsRegion as regionRule, cidrBlock, instanceType, intRange, refused, zodInt, zodText } from "../components/validation";
import { allowedStages, findStage, Stage, switchedOn } from "./registry";

/** The Pulumi project name: the namespace of this program's config keys. */
export const project = "shop-evolution";

export type Environment = "dev" | "prod";

export const sizingDefaults: Record<Environment, Sizing> = {
    dev: {
        azCount: 2,
        natGateways: "single",
        serverInstanceType: "t3.small",
        dataVolumeGiB: 20,
        logRetentionDays: 14,
        databaseInstanceClass: "db.t4g.medium",
        cacheNodeType: "cache.t4g.micro",
        cacheReplicas: 0,
        databaseReaders: 1,
        commentShards: 2,
        searchInstanceType: "t3.medium.search",
        // Security groups for pods (stage 14) need trunk interfaces, which no t-family type has.
        nodeInstanceType: "m6i.large",
        nodeMinSize: 2,
        nodeMaxSize: 4,
        fleetMinSize: 1,
        fleetMaxSize: 2,
    },
    prod: {
        azCount: 3,
        natGateways: "per-az",
        serverInstanceType: "m6i.large",
        dataVolumeGiB: 100,
        logRetentionDays: 90,
        databaseInstanceClass: "db.r6g.large",
        cacheNodeType: "cache.r7g.large",
        cacheReplicas: 1,
        databaseReaders: 2,
        commentShards: 4,
        searchInstanceType: "r7g.large.search",
        nodeInstanceType: "m7i.large",
        nodeMinSize: 3,
        nodeMaxSize: 12,
        fleetMinSize: 2,
        fleetMaxSize: 10,
    },
};

/** The validated configuration of one stack. */
export interface StackConfig {
    stage: Stage;
    environment: Environment;
    /** Where the stack runs; the first is the home region. */
    regions: string[];
    sizing: Sizing;
    /** Production data is protected: `protect`, deletion protection, final snapshots. */
    protectData: boolean;
    /** Tags every AWS resource carries, through the providers' default tags. */
    tags: Record<string, string>;
    /** Public host name of the shop, if it has one (enables HTTPS; required from stage 9). */
    domain?: string;
    /** The Route 53 public zone that holds `domain`: certificate validation and the shop's records. */
    hostedZone?: string;
    /**
     * The shop's image by digest, promoted from dev (`npm run promote` writes it into prod's
     * stack file). Unset in dev, which builds the image itself, and in a prod not promoted yet.
     */
    image?: string;
    /** Accounts allowed to pull the image that dev builds (prod's, for promotion by digest). */
    pullAccountIds: string[];
    /** The VPC's address range. */
    vpcCidr: string;
    /** Ranges that may reach the EKS API's public endpoint (stage 14 on); none keeps it private. */
    clusterApiCidrs: string[];
    /** IAM principals given cluster-admin on the EKS clusters, besides whoever deploys. */
    clusterAdmins: string[];
    /** Planned peaks (sales events), for which the nodes are raised ahead (stage 15). */
    peaks: Peak[];
    /** Create the account's OpenSearch service-linked role with the search domain (stage 10): only where the account lacks it. */
    createSearchServiceLinkedRole: boolean;
    /** EKS add-on builds pinned by name (stage 14 on); the others run EKS's default for the cluster's version. */
    addonVersions: Partial<Record<EksAddonName, string>>;
    /** Who the alarms tell (each region's topic), and thresholds and periods other than the documented defaults (alarm-rules.ts). */
    alarms: { subscribers: Subscriber[]; rules: AlarmRuleOverrides };
    /** The entry's service level objectives. */
    slo: Slo;
}

/** A planned peak: from `start` to `end` (UTC), at least `nodes` nodes in each region. */
export interface Peak {
    name: string;
    start: string;
    end: string;
    nodes: number;
}

/** The home region's VPC range; every other region takes the next block of the same size. */
export const defaultVpcCidr = "10.0.0.0/16";

/** Log retention periods CloudWatch Logs accepts. */
const logRetentionChoices = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const hostnamePattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** How big each environment is. Every field can be overridden in `shop-evolution:sizing`. */
const sizingShape = z.object(
    {
        /** Availability zones the VPC spans (2-4). */
        azCount: zodInt(intRange(2, 4)),
        /** NAT gateways: one shared by all zones (cheap) or one per zone (a zone outage cuts nothing off). */
        natGateways: z.enum(["single", "per-az"], { error: "expected single or per-az" }),
        /** Instance type of the single server (stage 1). */
        serverInstanceType: zodText(instanceType("t3.small")),
        /** Size of the single server's data volume, in GiB. */
        dataVolumeGiB: zodInt(intRange(10, 16384)),
        /** Retention of CloudWatch log groups (VPC flow logs, container logs), in days. */
        logRetentionDays: z.int({ error: "expected a whole number of days" }).refine((d) => logRetentionChoices.includes(d), {
            error: `expected one of ${logRetentionChoices.join(", ")}`,
        }),
        /** Instance class of the Aurora writer (stage 2 on). */
        databaseInstanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: "expected an RDS instance class such as db.r6g.large" }),
        /** Node type of the cache (stage 3 on). */
        cacheNodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, { error: "expected an ElastiCache node type such as cache.r7g.large" }),
        /** Replicas of the cache's primary, each in another zone (0-5; stage 3 on). */
        cacheReplicas: zodInt(intRange(0, 5)),
        /** Aurora readers (stage 5 on), and in prod up to this many more added by reader autoscaling. */
        databaseReaders: zodInt(intRange(1, 15)),
        /**
         * Comment shard clusters (stage 7 on, 2-16). Part of the data's layout: a product's comments
         * live on shard hash(product id) mod this count, so it is fixed once comments are written.
         */
        commentShards: zodInt(intRange(2, 16)),
        /** Data node instance type of the search domain (stage 10 on). */
        searchInstanceType: z.string().regex(/^[a-z0-9]+\.[a-z0-9]+\.search$/, { error: "expected an OpenSearch instance type such as r7g.large.search" }),
        /** Instance type of the EKS nodes (stage 14 on). */
        nodeInstanceType: zodText(instanceType("m7i.large")),
        /** EKS nodes at least and at most (stage 14 on). */
        nodeMinSize: zodInt(intRange(1, 100)),
        nodeMaxSize: zodInt(intRange(1, 450)),
        /** Instances of each fleet (Nginx, application), or pods of each workload, at least and at most (stage 4 on). */
        fleetMinSize: zodInt(intRange(1, 100)),
        fleetMaxSize: zodInt(intRange(1, 500)),
    },
    // Called only on a bad value, once the schema exists.
    { error: (): string => `expected a map with any of ${sizingFields.join(", ")}` },
);

/** How big each environment is: the sizing schema's type, so the two cannot drift apart. */
export type Sizing = z.infer<typeof sizingShape>;

const sizingFields: string[] = Object.keys(sizingShape.shape);

const sizingSchema = sizingShape.partial().strict();

const tagsSchema = z.record(
    z
        .string()
        .min(1)
        .max(128)
        .refine((k) => !k.startsWith("aws:"), { error: "tag keys may not start with aws:" }),
    z.string({ error: "expected a text value" }).max(256),
    { error: "expected a map of tag names to values" },
);

const alarmRuleSchema = z
    .object(
        {
            threshold: z.number({ error: "expected a number" }).optional(),
            periodSeconds: z.int({ error: "expected a whole number of seconds" }).optional(),
            evaluationPeriods: z.int({ error: "expected a whole number" }).optional(),
        },
        { error: "expected a map with threshold, periodSeconds or evaluationPeriods" },
    )
    .strict()
    .superRefine((rule, ctx) => {
        for (const problem of ruleProblems("the rule", rule)) ctx.addIssue({ code: "custom", message: problem.replace(/^the rule\.?:? ?/, "") });
    });

const alarmsSchema = z
    .object(
        {
            subscribers: z
                .array(
                    z
                        .object(
                            {
                                protocol: z.enum(["email", "https", "sqs", "lambda"], { error: "expected email, https, sqs or lambda" }),
                                endpoint: z.string({ error: "expected an address, URL or ARN" }).min(1, { error: "expected an address, URL or ARN" }),
                            },
                            { error: "expected a map with protocol and endpoint" },
                        )
                        .strict()
                        .refine((s) => s.protocol !== "email" || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.endpoint), { error: "expected an email address" })
                        .refine((s) => s.protocol !== "https" || /^https:\/\/\S+$/.test(s.endpoint), { error: "expected an https:// URL" })
                        .refine((s) => !["sqs", "lambda"].includes(s.protocol) || /^arn:aws[a-z-]*:(sqs|lambda):/.test(s.endpoint), {
                            error: "expected the queue's or function's ARN",
                        }),
                    { error: "expected a list of subscribers" },
                )
                .optional(),
            rules: z
                .partialRecord(z.enum(alarmKinds as [string, ...string[]], { error: `expected alarm kinds among ${alarmKinds.join(", ")}` }), alarmRuleSchema, {
                    error: "expected a map of alarm kinds to rules",
                })
                .optional(),
        },
        { error: "expected a map with subscribers and rules" },
    )
    .strict();

const sloSchema = z
    .object(
        {
            availabilityPercent: z.number({ error: "expected a percentage" }).optional(),
            latencyPercent: z.number({ error: "expected a percentage" }).optional(),
            latencyMs: z.number({ error: "expected milliseconds" }).optional(),
        },
        { error: "expected a map with availabilityPercent, latencyPercent and latencyMs" },
    )
    .strict()
    .superRefine((slo, ctx) => {
        // Named by its path; the value is appended where the problem is reported.
        for (const problem of sloProblems(slo)) {
            const [field, ...words] = problem.replace(/ \(got [^)]*\)$/, "").split(" ");
            ctx.addIssue({ code: "custom", message: words.join(" "), path: [field] });
        }
    });

/** The fields of the maps that refuse unknown ones, by where they sit. */
const knownFields: Record<string, readonly string[]> = {
    [`${project}:alarms`]: ["subscribers", "rules"],
    [`${project}:alarms.rules`]: alarmKinds,
    [`${project}:slo`]: ["availabilityPercent", "latencyPercent", "latencyMs"],
};

/** One entry per config key this program reads; any other key in its namespace is a typo. */
const keys = {
    stage: z.string({ error: "required" }),
    environment: z.enum(["dev", "prod"], { error: "expected dev or prod" }),
    regions: z
        .array(zodText(regionRule), {
            error: "expected a list of AWS regions such as [us-east-1, eu-west-1]",
        })
        .min(1, { error: "expected at least one region" })
        .refine((r) => new Set(r).size === r.length, { error: "regions must be unique" })
        .optional(),
    sizing: sizingSchema.optional(),
    tags: tagsSchema.optional(),
    domain: z.string().regex(hostnamePattern, { error: "expected a lower-case DNS name such as shop.example.com" }).optional(),
    hostedZone: z.string().regex(hostnamePattern, { error: "expected a lower-case DNS name such as example.com" }).optional(),
    clusterApiCidrs: z
        .array(
            zodText(cidrBlock()).refine((c) => !c.endsWith("/0"), { error: "the EKS API is never open to the whole internet" }),
            { error: "expected a list of CIDR blocks" },
        )
        .optional(),
    peaks: z
        .array(
            z
                .object(
                    {
                        name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, { error: "expected a lower-case name such as singles-day" }),
                        start: z.iso.datetime({ error: "expected a UTC time such as 2026-11-10T16:00:00Z" }),
                        end: z.iso.datetime({ error: "expected a UTC time such as 2026-11-12T16:00:00Z" }),
                        nodes: zodInt(intRange(1, 450)),
                    },
                    { error: "expected a map with name, start, end and nodes" },
                )
                .strict()
                // A malformed time is reported by its own field.
                .refine((p) => !(Date.parse(p.start) >= Date.parse(p.end)), { error: "end must come after start" }),
            { error: "expected a list of peaks" },
        )
        .refine((peaks) => new Set(peaks.map((p) => p.name)).size === peaks.length, { error: "peak names must be unique" })
        .optional(),
    addonVersions: z
        .partialRecord(
            z.enum(eksAddonNames, { error: `expected add-ons among ${eksAddonNames.join(", ")}` }),
            z.string().regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/, { error: "expected an add-on build such as v1.12.4-eksbuild.1" }),
            { error: "expected a map of add-on names to builds" },
        )
        .optional(),
    alarms: alarmsSchema.optional(),
    slo: sloSchema.optional(),
    createSearchServiceLinkedRole: z.enum(["true", "false"], { error: "expected true or false" }).optional(),
    pullAccountIds: z
        .array(z.string().regex(/^\d{12}$/, { error: "expected a 12-digit AWS account id" }), { error: "expected a list of AWS account ids" })
        .optional(),
    clusterAdmins: z
        .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/, { error: "expected an IAM role or user ARN" }), {
            error: "expected a list of IAM ARNs",
        })
        .optional(),
    image: z
        .string()
        .regex(digestReference, { error: "expected the image by digest, registry/repository@sha256:<64 hex digits>, as npm run promote writes it" })
        .optional(),
    vpcCidr: zodText(cidrBlock(16, 20)).optional(),
} as const;

const stackSchema = z.object(keys);
type ParsedConfig = z.infer<typeof stackSchema>;

/** Keys whose YAML value is a list or a map, stored by Pulumi as JSON text. */
const structuredKeys = new Set(["regions", "sizing", "tags", "clusterApiCidrs", "clusterAdmins", "peaks", "pullAccountIds", "addonVersions", "alarms", "slo"]);

/**
 * Thrown when a stack's configuration is invalid; `problems` names each one, with its key.
 * As a RunError, `pulumi up` prints it without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: string[]) {
        super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/**
 * Validates raw config (as Pulumi holds it: every value a string, lists and maps as JSON)
 * and resolves defaults. Collects every problem before throwing one ConfigError.
 */
export function parseStackConfig(raw: Record<string, string>): StackConfig {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(raw)) {
        const [namespace, key] = splitKey(fullKey);
        if (namespace !== project) continue;
        if (!(key in keys)) {
            problems.push(
                `${fullKey}: unknown key; expected one of ${Object.keys(keys)
                    .map((k) => `${project}:${k}`)
                    .join(", ")}`,
            );
            continue;
        }
        values[key] = structuredKeys.has(key) ? decodeJson(text) : text;
    }

    const parsed = stackSchema.safeParse(values);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            const [key, ...rest] = issue.path.map(String);
            const where = `${project}:${key}${rest.length ? "." + rest.join(".") : ""}`;
            const got = valueAt(values, issue.path);
            const gotText = got === undefined || (typeof got === "object" && got !== null) ? "" : ` (got ${JSON.stringify(got)})`;
            if (issue.code === "unrecognized_keys") {
                problems.push(`${where}: unknown ${issue.keys.join(", ")}; expected any of ${(knownFields[where] ?? sizingFields).join(", ")}`);
            } else {
                problems.push(`${where}: ${issue.message}${gotText}`);
            }
        }
    }

    const stage = values.stage === undefined ? undefined : findStage(String(values.stage));
    if (values.stage !== undefined && !stage) {
        problems.push(`${project}:stage: expected ${allowedStages()} (got ${JSON.stringify(values.stage)})`);
    }

    const awsRegion = raw["aws:region"];
    if (awsRegion !== undefined && !regionRule.accepts(awsRegion)) problems.push(refused("aws:region", regionRule, awsRegion));
    if (values.regions === undefined && awsRegion === undefined) {
        problems.push(`${project}:regions: required when aws:region is not set; expected a list such as [us-east-1]`);
    }
    const listed = parsed.success ? parsed.data.regions : undefined;
    if (listed && awsRegion !== undefined && listed[0] !== awsRegion) {
        problems.push(`aws:region: must be the first of ${project}:regions (got ${awsRegion}, the regions start with ${listed[0]})`);
    }

    if (parsed.success && stage) problems.push(...stageProblems(parsed.data, stage, listed ?? (awsRegion ? [awsRegion] : [])));

    if (problems.length > 0 || !parsed.success || !stage) {
        throw new ConfigError(problems);
    }
    const c = parsed.data;
    return {
        stage,
        environment: c.environment,
        regions: c.regions ?? [awsRegion!],
        sizing: { ...sizingDefaults[c.environment], ...c.sizing },
        protectData: c.environment === "prod",
        tags: { project, environment: c.environment, "managed-by": "pulumi", ...c.tags },
        domain: c.domain,
        hostedZone: c.domain ? (c.hostedZone ?? c.domain.slice(c.domain.indexOf(".") + 1)) : undefined,
        image: c.image,
        pullAccountIds: c.pullAccountIds ?? [],
        vpcCidr: c.vpcCidr ?? defaultVpcCidr,
        clusterApiCidrs: c.clusterApiCidrs ?? [],
        clusterAdmins: c.clusterAdmins ?? [],
        peaks: c.peaks ?? [],
        addonVersions: c.addonVersions ?? {},
        alarms: { subscribers: c.alarms?.subscribers ?? [], rules: (c.alarms?.rules ?? {}) as AlarmRuleOverrides },
        slo: { ...sloDefaults, ...c.slo },
        createSearchServiceLinkedRole: c.createSearchServiceLinkedRole === "true",
    };
}

/** What the configured stage asks of the rest of the configuration. */
function stageProblems(c: ParsedConfig, stage: Stage, regions: string[]): string[] {
    const problems: string[] = [];
    const sizing = { ...sizingDefaults[c.environment], ...c.sizing };
    // Dev builds the image from source unless given one (the stage proof's throwaway stacks run dev's); only a stack that builds lets others pull.
    if (c.environment === "dev" && c.image !== undefined && c.pullAccountIds !== undefined)
        problems.push(`${project}:pullAccountIds: a stack given ${project}:image builds none; the accounts that pull are listed where the image is built`);
    if (c.environment === "prod" && c.pullAccountIds !== undefined)
        problems.push(`${project}:pullAccountIds: prod builds no image; the accounts that pull are listed where the image is built (dev)`);
    if (c.hostedZone && !c.domain) problems.push(`${project}:hostedZone: needs ${project}:domain`);
    if (c.domain && c.hostedZone && c.domain !== c.hostedZone && !c.domain.endsWith(`.${c.hostedZone}`)) {
        problems.push(`${project}:hostedZone: ${c.hostedZone} does not hold the domain ${c.domain}`);
    }
    if (!switchedOn(stage, "multiRegion")) return problems;
    if (!c.domain) problems.push(`${project}:domain: required from stage 9 (${stage.slug}): the name Route 53 answers with the healthy regions`);
    if (regions.length > 1) {
        // The global database and datastore that span the regions refuse burstable classes, and a datastore has two secondaries at most.
        if (regions.length > 3)
            problems.push(
                `${project}:regions: at most three regions from stage 9: an ElastiCache global datastore has two secondary regions (got ${regions.length})`,
            );
        if (/^db\.t/.test(sizing.databaseInstanceClass))
            problems.push(
                `${project}:sizing.databaseInstanceClass: a global database across regions needs a memory-optimized class such as db.r6g.large (got ${sizing.databaseInstanceClass})`,
            );
        if (/^cache\.t/.test(sizing.cacheNodeType))
            problems.push(
                `${project}:sizing.cacheNodeType: a global datastore across regions needs the m or r families such as cache.r7g.large (got ${sizing.cacheNodeType})`,
            );
        if (!roomForRegions(c.vpcCidr ?? defaultVpcCidr, regions.length)) {
            problems.push(`${project}:vpcCidr: no room for ${regions.length} regions' VPCs in blocks of its size after ${c.vpcCidr} within its private range`);
        }
    }
    return problems;
}

/** True when `count` blocks of the home range's size, from it on, stay inside the private range (RFC 1918) that holds it. */
function roomForRegions(home: string, count: number): boolean {
    const range = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].find((r) => cidrsOverlap(r, home));
    try {
        const last = nextBlock(home, count - 1);
        return range === undefined || cidrsOverlap(range, last);
    } catch {
        return false;
    }
}

function splitKey(fullKey: string): [string, string] {
    const i = fullKey.indexOf(":");
    return i < 0 ? [project, fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

function decodeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text; // not JSON: the schema reports it as the wrong type
    }
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
    let value = root;
    for (const step of path) {
        if (value === null || typeof value !== "object") return undefined;
        value = (value as Record<PropertyKey, unknown>)[step];
    }
    return value;
}

/** The running stack's configuration, validated. */
export function readStackConfig(): StackConfig {
    return parseStackConfig(pulumi.runtime.allConfig());
}
