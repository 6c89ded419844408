/** Types whose replacement or deletion loses data (an Aurora instance holds none: the storage is the cluster's). */
export const statefulTypes = [
    "aws:ebs/volume:Volume",
    // Its recovery points: replacing a vault starts an empty one (and a locked one cannot be deleted).
    "aws:backup/vault:Vault",
    "aws:rds/cluster:Cluster",
    "aws:rds/globalCluster:GlobalCluster",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup",
    "aws:opensearch/domain:Domain",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
];
