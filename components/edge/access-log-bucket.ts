import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "../iam";

export interface AccessLogBucketArgs {
    /** Days before log objects expire. */
    retentionDays: number;
    /** Empty the bucket on delete (dev); otherwise a bucket with logs in it is never deleted. */
    forceDestroy: boolean;
    tags?: Record<string, string>;
}

/**
 * An S3 bucket for load balancer access logs: private, owner-enforced, encrypted with S3
 * keys (the only kind ELB log delivery supports), expiring, and writable by the regional
 * Elastic Load Balancing account (ALB) and the log delivery service (NLB), nothing else.
 */
export function accessLogBucket(name: string, args: AccessLogBucketArgs, opts: pulumi.CustomResourceOptions): aws.s3.Bucket {
    // Logs kept for audits outlive the load balancer in production: a bucket that may not be emptied is protected too.
    const keep = !args.forceDestroy;
    const bucket = new aws.s3.Bucket(name, { forceDestroy: args.forceDestroy, tags: args.tags }, { ...opts, protect: keep, retainOnDelete: keep });
    new aws.s3.BucketPublicAccessBlock(
        name,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        opts,
    );
    new aws.s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(
        name,
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        opts,
    );
    new aws.s3.BucketLifecycleConfiguration(
        name,
        { bucket: bucket.id, rules: [{ id: "expire-access-logs", status: "Enabled", filter: {}, expiration: { days: args.retentionDays } }] },
        opts,
    );
    const elbAccount = aws.elb.getServiceAccountOutput({}, opts).arn;
    const account = aws.getCallerIdentityOutput({}, opts).accountId;
    new aws.s3.BucketPolicy(
        name,
        {
            bucket: bucket.id,
            policy: pulumi.all([bucket.arn, elbAccount, account]).apply(([arn, elb, accountId]) =>
                policyDocument([
                    { Principal: { AWS: elb }, Action: "s3:PutObject", Resource: `${arn}/AWSLogs/${accountId}/*` },
                    {
                        Principal: { Service: "delivery.logs.amazonaws.com" },
                        Action: "s3:PutObject",
                        Resource: `${arn}/AWSLogs/${accountId}/*`,
                        Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": accountId } },
                    },
                    {
                        Principal: { Service: "delivery.logs.amazonaws.com" },
                        Action: "s3:GetBucketAcl",
                        Resource: arn,
                        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
                    },
                    {
                        Effect: "Deny",
                        Principal: { AWS: "*" },
                        Action: "s3:*",
                        Resource: [arn, `${arn}/*`],
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                ]),
            ),
        },
        opts,
    );
    return bucket;
}
