/**
 * On-demand prices of us-east-1 in US dollars, as AWS's public pricing pages list them
 * (Amazon EC2, RDS for Aurora PostgreSQL, ElastiCache for Valkey, OpenSearch Service, ELB,
 * VPC, EKS, Route 53, Secrets Manager, KMS, EBS), written down on 2026-11-25 for estimates:
 * check them before you budget. Usage-priced parts are left out (data transfer, load
 * balancer capacity units, Aurora storage and I/O, log ingestion, S3 requests and storage).
 */
export const priceTable = {
    region: "us-east-1",
    date: "2026-11-25",
    source: "AWS public on-demand pricing pages, us-east-1",
    hoursPerMonth: 730,
    /** Per hour. */
    ec2: { "t3.small": 0.0208, "t3.large": 0.0832, "m6i.large": 0.096, "m7i.large": 0.1008 } as Record<string, number>,
    /** Aurora PostgreSQL instances, per hour. */
    rds: { "db.t4g.medium": 0.073, "db.r6g.large": 0.26 } as Record<string, number>,
    /** Aurora Serverless v2, per ACU-hour. */
    auroraAcuHour: 0.12,
    /** ElastiCache for Valkey nodes, per hour. */
    elasticache: { "cache.t4g.micro": 0.0128, "cache.r7g.large": 0.1752 } as Record<string, number>,
    /** OpenSearch Service instances, per hour. */
    opensearch: { "t3.medium.search": 0.073, "r7g.large.search": 0.167, "m7g.large.search": 0.136 } as Record<string, number>,
    /** Per GB-month. */
    ebsGp3: 0.08,
    opensearchGp3: 0.122,
    /** Per hour. */
    natGateway: 0.045,
    loadBalancer: 0.0225,
    eksCluster: 0.1,
    publicIpv4: 0.005,
    /** Per month: a Route 53 health check of an AWS endpoint with a 10-second interval and latency measurement. */
    healthCheck: 2.5,
    secret: 0.4,
    kmsKey: 1,
};
