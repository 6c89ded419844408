/**
 * Going back one stage, per transition: what the step back removes, and the data that must be
 * moved first for it to lose nothing. `npm run promote -- --back --to <stack>` prints the note
 * with the plan's diff, and the diff decides: a step back whose plan removes or replaces a
 * stateful resource is refused (the data must be moved and the resource retired by hand first).
 */
export const stepBackNotes: Record<number, string> = {
    2: "Back to stage 1 (single server): removes the Aurora writer. Dump it (pg_dump) and restore into the server's PostgreSQL first.",
    3: "Back to stage 2: removes the Redis replication group, and with it the cache and what the shop keeps in Redis (sessions, carts, sign-in counters): visitors sign in again and carts start empty. The plan counts it as a data store, so the step is refused until it is retired by hand.",
    4: "Back to stage 3: removes the load balancers and fleets and brings back the single server (its data volume was kept). No data: the database and Redis stay.",
    5: "Back to stage 4: removes the Aurora readers (the cluster and its data stay). Safe: reads go to the writer again.",
    6: "Back to stage 5: removes the catalog, orders and users clusters. Copy each domain's tables back into the first cluster (pg_dump per domain, restore) first.",
    7: "Back to stage 6: removes the comment shards. Copy the comments of every shard back into the catalog database first; payment partitions stay (a partitioned table reads as one).",
    8: "Back to stage 7: removes the Network Load Balancer in front of Nginx; the public name moves back to Nginx's load balancer. No data.",
    9: "Back to stage 8: removes the second region's cell and the weighted records. Drain its traffic first (weight 0); its replicas of the data go with it, the home region keeps the primaries.",
    10: "Back to stage 9: removes the OpenSearch domain and the media bucket. The index is rebuilt from PostgreSQL when search comes back; copy the product pictures out of the bucket first (aws s3 sync).",
    11: "Back to stage 10: merges the business-line apps into one fleet and removes the shared configuration and the feature flags' parameter. No data.",
    12: "Back to stage 11: removes the services' load balancer; the apps serve their modules themselves again. No data.",
    13: "Back to stage 12: removes the gateway's routing; the services are reached directly again. No data.",
    14: "Back to stage 13: removes the EKS clusters and brings back the fleets. No data (the shop's data is in Aurora, Redis, OpenSearch and S3).",
    15: "Back to stage 14: removes node autoscaling, the scheduled scaling and the Serverless v2 readers (the cluster stays). Safe.",
};
