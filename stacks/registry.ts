/**
 * The fifteen stages of the evolution, as data. Each stage is cumulative: stage N
 * deploys what stage N-1 deployed plus its own step. The numbers and slugs are a
 * contract (docs/contracts.md): config, the offline plan and the README all use them.
 *
 * What each stage switches on is here too, by name (`switchesOn`): the program asks
 * `switchedOn(stage, "readReplicas")`, never `stage.number >= 5`, so "what does stage 8
 * change?" has one answer, this table, with the file that builds each step.
 */

/** What a stage switches on; once on, it stays on in every later stage. */
export type Capability =
    | "separateDatabase"
    | "cache"
    | "reverseProxy"
    | "readReplicas"
    | "businessSplit"
    | "tableSharding"
    | "layer4Balancer"
    | "multiRegion"
    | "search"
    | "splitApps"
    | "sharedServices"
    | "serviceBus"
    | "containers"
    | "nodeAutoscaling"
    | "serverlessReaders";

export interface Stage {
    /** 1-15, the order of the evolution. */
    readonly number: number;
    /** Stable identifier, accepted wherever a stage number is. */
    readonly slug: string;
    readonly title: string;
    /** The section of the seed article the stage comes from. */
    readonly seedSection: string;
    /** What the stage adds on AWS. */
    readonly adds: string;
    /** The bottleneck of the previous stage that this one relieves. */
    readonly relieves: string;
    /** The bottleneck this stage runs into next. */
    readonly nextBottleneck: string;
    /** What the stage switches on, each with the file (from the repository's root) that builds it. */
    readonly switchesOn: Readonly<Partial<Record<Capability, string>>>;
}

export const stages: readonly Stage[] = [
    {
        number: 1,
        slug: "single-server",
        title: "Single server",
        seedSection: "3.1",
        adds: "One EC2 instance running the shop container and PostgreSQL, data on its own encrypted EBS volume, an Elastic IP",
        relieves: "Nothing yet: the simplest shop that works",
        nextBottleneck: "The application and the database fight over one machine's CPU and memory",
        switchesOn: {},
    },
    {
        number: 2,
        slug: "separate-db",
        title: "Separate database",
        seedSection: "3.2",
        adds: "An Aurora PostgreSQL writer; the shop runs on an instance of its own",
        relieves: "Application and database no longer compete for one machine",
        nextBottleneck: "Every read goes to the database, which saturates as traffic grows",
        switchesOn: { separateDatabase: "stacks/stages/separate-database.ts" },
    },
    {
        number: 3,
        slug: "cache",
        title: "Local and distributed cache",
        seedSection: "3.3",
        adds: "ElastiCache Redis (replication group); the shop caches in process and in Redis",
        relieves: "Hot reads are served from memory instead of the database",
        nextBottleneck: "One application server cannot carry the concurrent requests",
        switchesOn: { cache: "stacks/stages/cache.ts" },
    },
    {
        number: 4,
        slug: "reverse-proxy",
        title: "Reverse proxy and application fleet",
        seedSection: "3.4",
        adds: "An Nginx fleet (ASG) in front of an application fleet (ASG); sessions move to Redis",
        relieves: "Requests spread over many stateless application servers",
        nextBottleneck: "The single database writer carries every read and write",
        switchesOn: { reverseProxy: "stacks/stages/reverse-proxy.ts" },
    },
    {
        number: 5,
        slug: "read-replicas",
        title: "Read/write splitting",
        seedSection: "3.5",
        adds: "Aurora reader instances (reader autoscaling in prod); reads go to readers",
        relieves: "Reads leave the writer, which keeps its capacity for writes",
        nextBottleneck: "All business domains share one database and contend for it",
        switchesOn: { readReplicas: "stacks/stages/separate-database.ts" },
    },
    {
        number: 6,
        slug: "business-split",
        title: "Database split by business",
        seedSection: "3.6",
        adds: "One Aurora cluster per business domain: catalog, orders, users",
        relieves: "Each domain's load lands on a database of its own",
        nextBottleneck: "Single tables (comments, payments) grow past what one database serves well",
        switchesOn: { businessSplit: "stacks/stages/business-split.ts" },
    },
    {
        number: 7,
        slug: "table-sharding",
        title: "Table sharding",
        seedSection: "3.7",
        adds: "Comment shards by hash of product id; payments partitioned by month",
        relieves: "The largest tables spread over several databases and partitions",
        nextBottleneck: "The Nginx fleet's single entry point becomes the limit",
        switchesOn: { tableSharding: "stacks/stages/table-sharding.ts" },
    },
    {
        number: 8,
        slug: "l4-balancer",
        title: "Layer-4 load balancing",
        seedSection: "3.8",
        adds: "A Network Load Balancer (the LVS/F5 of AWS) in front of the Nginx fleet",
        relieves: "Connections spread over many Nginx instances at layer 4",
        nextBottleneck: "One region is one failure domain and far from distant users",
        switchesOn: { layer4Balancer: "stacks/stages/reverse-proxy.ts" },
    },
    {
        number: 9,
        slug: "multi-region",
        title: "DNS across data centres",
        seedSection: "3.9",
        adds: "A second region cell; Route53 weighted records with health checks",
        relieves: "Traffic spreads over regions and survives the loss of one",
        nextBottleneck: "Relational search and unstructured data strain the databases",
        switchesOn: { multiRegion: "stacks/stages/multi-region.ts" },
    },
    {
        number: 10,
        slug: "search",
        title: "NoSQL and search",
        seedSection: "3.10",
        adds: "An OpenSearch domain for product search, S3 for media",
        relieves: "Search and media leave the relational databases",
        nextBottleneck: "One application carries every business line; each change deploys everything",
        switchesOn: { search: "stacks/stages/search.ts" },
    },
    {
        number: 11,
        slug: "split-apps",
        title: "Split applications",
        seedSection: "3.11",
        adds: "The monolith split into applications per business line; shared config in SSM Parameter Store",
        relieves: "Business lines deploy and scale independently",
        nextBottleneck: "The split applications duplicate shared functions (users, orders, payment, auth)",
        switchesOn: { splitApps: "stacks/stages/split-apps.ts" },
    },
    {
        number: 12,
        slug: "microservices",
        title: "Shared microservices",
        seedSection: "3.12",
        adds: "User, order, payment and auth as services of their own",
        relieves: "Shared functions live once, behind service interfaces",
        nextBottleneck: "Every application must know every service's interface and address",
        switchesOn: { sharedServices: "stacks/service-layout.ts" },
    },
    {
        number: 13,
        slug: "service-bus",
        title: "Service bus",
        seedSection: "3.13",
        adds: "One gateway that hides the service interfaces (the ESB step)",
        relieves: "Callers depend on one entry point instead of every service",
        nextBottleneck: "Deploying and scaling many services on instances is slow and uneven",
        switchesOn: { serviceBus: "stacks/service-layout.ts" },
    },
    {
        number: 14,
        slug: "containers",
        title: "Containers",
        seedSection: "3.14",
        adds: "EKS: every service and the Nginx fleet as Kubernetes workloads",
        relieves: "Services deploy in seconds and pack densely onto shared nodes",
        nextBottleneck: "Capacity is sized for the peak and idle the rest of the time",
        switchesOn: { containers: "stacks/stages/containers.ts" },
    },
    {
        number: 15,
        slug: "cloud-elastic",
        title: "Cloud elasticity",
        seedSection: "3.15",
        adds: "Node autoscaling, scheduled peak scaling, Aurora Serverless v2 readers",
        relieves: "Capacity follows demand, including planned sales peaks",
        nextBottleneck: "None in the seed: the end of the evolution",
        switchesOn: { nodeAutoscaling: "stacks/stages/cloud-elastic.ts", serverlessReaders: "stacks/shop-database.ts" },
    },
];

/** Finds a stage by number (1-15, as a number or a numeric string) or slug; undefined when none matches. */
export function findStage(ref: number | string): Stage | undefined {
    const text = String(ref).trim();
    if (/^\d+$/.test(text)) {
        return stages.find((s) => s.number === Number(text));
    }
    return stages.find((s) => s.slug === text);
}

/**
 * True when `stage` (or an earlier one) has switched `capability` on. A stage given by
 * number must exist: a wrong number is a bug, not a stage without the capability.
 */
export function switchedOn(stage: Stage | number, capability: Capability): boolean {
    const number = typeof stage === "number" ? stage : stage.number;
    if (!findStage(number)) throw new Error(`there is no stage ${number}; expected ${allowedStages()}`);
    return stages.some((s) => s.number <= number && capability in s.switchesOn);
}

/** The stage that switches `capability` on. */
export function stageSwitchingOn(capability: Capability): Stage {
    return stages.find((s) => capability in s.switchesOn)!;
}

/** A one-line description of what a stage reference may be, for error messages. */
export function allowedStages(): string {
    return `a number 1-${stages.length} or one of ${stages.map((s) => s.slug).join(", ")}`;
}
