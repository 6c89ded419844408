/**
 * On-demand prices in US dollars for each region the stacks use, each with the AWS page (or
 * Price List API offer file) it comes from. Transcribed on the date below from AWS's public
 * pricing pages; the build machine has no network, so they are not re-fetched by any test:
 * check each against its source before you budget. A region missing here is refused by
 * `--cost` rather than priced at another region's rates.
 */

/** A unit price and where it is published. */
export interface Price {
    usd: number;
    /** What one unit is: "hour", "GB-month", "GB", "LCU-hour", ... */
    unit: string;
    source: string;
    /** The table entry it comes from ("ec2", "internetEgress", ...), set below: what a charge is, for grouping. */
    key?: string;
}

const page = {
    ec2: "https://aws.amazon.com/ec2/pricing/on-demand/",
    ec2Transfer: "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer",
    ebs: "https://aws.amazon.com/ebs/pricing/",
    eks: "https://aws.amazon.com/eks/pricing/",
    aurora: "https://aws.amazon.com/rds/aurora/pricing/",
    elasticache: "https://aws.amazon.com/elasticache/pricing/",
    opensearch: "https://aws.amazon.com/opensearch-service/pricing/",
    vpc: "https://aws.amazon.com/vpc/pricing/",
    elb: "https://aws.amazon.com/elasticloadbalancing/pricing/",
    route53: "https://aws.amazon.com/route53/pricing/",
    secrets: "https://aws.amazon.com/secrets-manager/pricing/",
    kms: "https://aws.amazon.com/kms/pricing/",
    cloudwatch: "https://aws.amazon.com/cloudwatch/pricing/",
    s3: "https://aws.amazon.com/s3/pricing/",
    ecr: "https://aws.amazon.com/ecr/pricing/",
    backup: "https://aws.amazon.com/backup/pricing/",
    xray: "https://aws.amazon.com/xray/pricing/",
};

/** The machine behind a size: vCPUs, memory, and for burstable types the baseline CPU a vCPU earns credits for. */
export interface MachineSize {
    vcpus: number;
    memoryGiB: number;
    /** Burstable (t3, t4g): the baseline utilisation per vCPU; above it, unlimited mode bills surplus credits. */
    baseline?: number;
}

/** Public specifications of the sizes the stacks use (the EC2, RDS and ElastiCache instance type pages). */
export const sizes: Record<string, MachineSize> = {
    "t3.small": { vcpus: 2, memoryGiB: 2, baseline: 0.2 },
    "t3.medium": { vcpus: 2, memoryGiB: 4, baseline: 0.2 },
    "t3.large": { vcpus: 2, memoryGiB: 8, baseline: 0.3 },
    "t4g.small": { vcpus: 2, memoryGiB: 2, baseline: 0.2 },
    "m6i.large": { vcpus: 2, memoryGiB: 8 },
    "m7i.large": { vcpus: 2, memoryGiB: 8 },
    "db.t4g.medium": { vcpus: 2, memoryGiB: 4, baseline: 0.2 },
    "db.r6g.large": { vcpus: 2, memoryGiB: 16 },
    "cache.t4g.micro": { vcpus: 2, memoryGiB: 0.5, baseline: 0.1 },
    "cache.r7g.large": { vcpus: 2, memoryGiB: 13.07 },
};

export interface RegionPrices {
    /** Per instance-hour, Linux. */
    ec2: Record<string, Price>;
    /** Unlimited mode's surplus CPU credits, per vCPU-hour, by family. */
    cpuCredit: { t3: Price; t4g: Price };
    /** EC2 detailed monitoring: seven metrics an instance, per instance-month. */
    detailedMonitoring: Price;
    ebsGp3: Price;
    eksCluster: Price;
    /** Aurora PostgreSQL (Standard storage configuration), per instance-hour. */
    aurora: Record<string, Price>;
    auroraAcu: Price;
    auroraStorage: Price;
    auroraIo: Price;
    /** Aurora global database: each write I/O replicated to a secondary region, billed there. */
    auroraReplicatedWriteIo: Price;
    /** ElastiCache for Valkey, node-based, per node-hour. */
    elasticache: Record<string, Price>;
    /** OpenSearch Service, per instance-hour. */
    opensearch: Record<string, Price>;
    opensearchGp3: Price;
    natGatewayHour: Price;
    natGatewayData: Price;
    albHour: Price;
    albLcu: Price;
    nlbHour: Price;
    nlbNlcu: Price;
    publicIpv4: Price;
    interfaceEndpointHour: Price;
    internetEgress: Price;
    /** Each direction, so a GB crossing zones is billed twice (out of one, into the other). */
    interZone: Price;
    /** Out of this region to another AWS region. */
    interRegion: Price;
    logsIngestion: Price;
    /** Vended logs (VPC flow logs) delivered to CloudWatch Logs, first 10 TB. */
    vendedLogsIngestion: Price;
    s3Standard: Price;
    ecrStorage: Price;
    /** Warm backup storage (EBS and S3 rates; Aurora's snapshots cost less). */
    backupStorage: Price;
    secret: Price;
    kmsKey: Price;
    /** A standard-resolution alarm, per metric it reads (a metric math alarm pays for each). */
    alarmMetric: Price;
    compositeAlarm: Price;
    dashboard: Price;
    /** A custom metric (metric filters', Container Insights'), first 10,000. */
    customMetric: Price;
    /** X-Ray: traces recorded, and traces retrieved or scanned, beyond the account's free traces (`xrayFreeTraces`). */
    xrayTracesRecorded: Price;
    xrayTracesRetrievedOrScanned: Price;
}

const hour = (usd: number, source: string): Price => ({ usd, unit: "hour", source });
const per = (usd: number, unit: string, source: string): Price => ({ usd, unit, source });

/** Prices that are the same in every region the stacks use, or global. */
const everywhere = {
    cpuCredit: { t3: per(0.05, "vCPU-hour", `${page.ec2} (T2/T3/T4g unlimited mode)`), t4g: per(0.04, "vCPU-hour", `${page.ec2} (T2/T3/T4g unlimited mode)`) },
    detailedMonitoring: per(2.1, "instance-month", `${page.cloudwatch} (7 metrics at $0.30 a metric-month)`),
    eksCluster: hour(0.1, `${page.eks} (standard support)`),
    publicIpv4: hour(0.005, `${page.vpc} (public IPv4 address)`),
    albLcu: per(0.008, "LCU-hour", page.elb),
    nlbNlcu: per(0.006, "NLCU-hour", page.elb),
    internetEgress: per(0.09, "GB", `${page.ec2Transfer} (to the internet, first 10 TB a month)`),
    interZone: per(0.01, "GB", `${page.ec2Transfer} (across Availability Zones, each direction)`),
    interRegion: per(0.02, "GB", `${page.ec2Transfer} (to another AWS region)`),
    secret: per(0.4, "secret-month", page.secrets),
    kmsKey: per(1, "key-month", page.kms),
    alarmMetric: per(0.1, "alarm metric-month", `${page.cloudwatch} (standard resolution alarm)`),
    compositeAlarm: per(0.5, "alarm-month", `${page.cloudwatch} (composite alarm)`),
    dashboard: per(3, "dashboard-month", `${page.cloudwatch} (dashboard)`),
    customMetric: per(0.3, "metric-month", `${page.cloudwatch} (custom metrics, first 10,000)`),
    xrayTracesRecorded: per(5, "million traces", `${page.xray} (traces recorded)`),
    xrayTracesRetrievedOrScanned: per(0.5, "million traces", `${page.xray} (traces retrieved or scanned)`),
};

export const priceDate = "2026-11-30";

export const regionPrices: Record<string, RegionPrices> = {
    "us-east-1": {
        ...everywhere,
        ec2: {
            "t3.small": hour(0.0208, page.ec2),
            "t3.medium": hour(0.0416, page.ec2),
            "t3.large": hour(0.0832, page.ec2),
            "t4g.small": hour(0.0168, page.ec2),
            "m6i.large": hour(0.096, page.ec2),
            "m7i.large": hour(0.1008, page.ec2),
        },
        ebsGp3: per(0.08, "GB-month", page.ebs),
        aurora: { "db.t4g.medium": hour(0.073, page.aurora), "db.r6g.large": hour(0.26, page.aurora) },
        auroraAcu: per(0.12, "ACU-hour", page.aurora),
        auroraStorage: per(0.1, "GB-month", page.aurora),
        auroraIo: per(0.2, "million I/O", page.aurora),
        auroraReplicatedWriteIo: per(0.2, "million replicated write I/O", `${page.aurora} (global database)`),
        elasticache: { "cache.t4g.micro": hour(0.0128, page.elasticache), "cache.r7g.large": hour(0.1752, page.elasticache) },
        opensearch: {
            "t3.medium.search": hour(0.073, page.opensearch),
            "r7g.large.search": hour(0.178, page.opensearch),
            "m7g.large.search": hour(0.136, page.opensearch),
        },
        opensearchGp3: per(0.122, "GB-month", page.opensearch),
        natGatewayHour: hour(0.045, page.vpc),
        natGatewayData: per(0.045, "GB", page.vpc),
        albHour: hour(0.0225, page.elb),
        nlbHour: hour(0.0225, page.elb),
        interfaceEndpointHour: hour(0.01, `${page.vpc} (PrivateLink, per zone)`),
        logsIngestion: per(0.5, "GB", page.cloudwatch),
        vendedLogsIngestion: per(0.5, "GB", page.cloudwatch),
        s3Standard: per(0.023, "GB-month", page.s3),
        ecrStorage: per(0.1, "GB-month", page.ecr),
        backupStorage: per(0.05, "GB-month", page.backup),
    },
    "eu-west-1": {
        ...everywhere,
        ec2: {
            "t3.small": hour(0.0228, page.ec2),
            "t3.medium": hour(0.0456, page.ec2),
            "t3.large": hour(0.0912, page.ec2),
            "t4g.small": hour(0.0184, page.ec2),
            "m6i.large": hour(0.107, page.ec2),
            "m7i.large": hour(0.1124, page.ec2),
        },
        ebsGp3: per(0.088, "GB-month", page.ebs),
        aurora: { "db.t4g.medium": hour(0.08, page.aurora), "db.r6g.large": hour(0.284, page.aurora) },
        auroraAcu: per(0.13, "ACU-hour", page.aurora),
        auroraStorage: per(0.11, "GB-month", page.aurora),
        auroraIo: per(0.22, "million I/O", page.aurora),
        auroraReplicatedWriteIo: per(0.22, "million replicated write I/O", `${page.aurora} (global database)`),
        elasticache: { "cache.t4g.micro": hour(0.0141, page.elasticache), "cache.r7g.large": hour(0.1944, page.elasticache) },
        opensearch: {
            "t3.medium.search": hour(0.08, page.opensearch),
            "r7g.large.search": hour(0.197, page.opensearch),
            "m7g.large.search": hour(0.15, page.opensearch),
        },
        opensearchGp3: per(0.135, "GB-month", page.opensearch),
        natGatewayHour: hour(0.048, page.vpc),
        natGatewayData: per(0.048, "GB", page.vpc),
        albHour: hour(0.0252, page.elb),
        nlbHour: hour(0.0252, page.elb),
        interfaceEndpointHour: hour(0.011, `${page.vpc} (PrivateLink, per zone)`),
        logsIngestion: per(0.57, "GB", page.cloudwatch),
        vendedLogsIngestion: per(0.57, "GB", page.cloudwatch),
        s3Standard: per(0.023, "GB-month", page.s3),
        ecrStorage: per(0.1, "GB-month", page.ecr),
        backupStorage: per(0.05, "GB-month", page.backup),
    },
};

// Each price knows its entry's name, so that charges can be grouped by what they pay for.
for (const table of Object.values(regionPrices))
    for (const [key, entry] of Object.entries(table))
        for (const price of "usd" in entry ? [entry] : Object.values(entry as Record<string, Price>)) (price as Price).key ??= key;

/** Route 53 is global: a health check of an AWS endpoint, and each option it turns on (HTTPS, a 10 s interval, latency measurement, string matching). */
export const route53HealthCheck = {
    base: { ...per(0.5, "health check-month", `${page.route53} (AWS endpoint)`), key: "healthCheck" },
    option: { ...per(1, "option-month", `${page.route53} (optional health check feature, AWS endpoint)`), key: "healthCheck" },
};

/** X-Ray's free traces a month, of the account (all regions): recorded, and retrieved or scanned (https://aws.amazon.com/xray/pricing/). */
export const xrayFreeTraces = { recorded: 100_000, retrievedOrScanned: 1_000_000 };

export const hoursPerMonth = 730;

/** Thrown when the plan uses a region or a size the table has no price for. */
export class PriceError extends Error {}

/** The prices of a region; a region with none is an error, never another region's rates. */
export function pricesFor(region: string | null | undefined): RegionPrices {
    const prices = region ? regionPrices[region] : undefined;
    if (!prices)
        throw new PriceError(`no prices for region ${region ?? "(none)"}: the price table (tools/prices.ts) has ${Object.keys(regionPrices).join(", ")}`);
    return prices;
}

/** A size's price in a table; an unknown size is an error naming it and the region. */
export function priceOf(table: Record<string, Price>, size: string, region: string, what: string): Price {
    const price = table[size];
    if (!price) throw new PriceError(`no ${what} price for ${size} in ${region} (tools/prices.ts)`);
    return price;
}

export function sizeOf(size: string): MachineSize {
    const machine = sizes[size];
    if (!machine) throw new PriceError(`no vCPU and memory figures for ${size} (tools/prices.ts sizes)`);
    return machine;
}
