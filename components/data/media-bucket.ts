import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "../iam";

export interface MediaBucketArgs {
    /** Production media: Pulumi `protect`, kept when the stack goes, never emptied on delete. @default false */
    production?: boolean;
    /** Days a replaced or deleted object's old version is kept. @default 30 */
    noncurrentVersionDays?: number;
    tags?: Record<string, string>;
}

/**
 * An S3 bucket for product media (stage 10): private, owner-enforced, encrypted, versioned
 * (an overwritten or deleted image can be brought back for `noncurrentVersionDays`), reached
 * over TLS only. Served to browsers through signed URLs or a CDN, never publicly.
 */
export function mediaBucket(name: string, args: MediaBucketArgs, opts: pulumi.CustomResourceOptions): aws.s3.Bucket {
    const production = args.production ?? false;
    const bucket = new aws.s3.Bucket(name, { forceDestroy: !production, tags: args.tags }, { ...opts, protect: production, retainOnDelete: production });
    new aws.s3.BucketPublicAccessBlock(
        name,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        opts,
    );
    new aws.s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(
        name,
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
        opts,
    );
    new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
    new aws.s3.BucketLifecycleConfiguration(
        name,
        {
            bucket: bucket.id,
            rules: [
                { id: "expire-old-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? 30 } },
                { id: "abort-incomplete-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
            ],
        },
        opts,
    );
    new aws.s3.BucketPolicy(
        name,
        {
            bucket: bucket.id,
            policy: bucket.arn.apply((arn) =>
                policyDocument([
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
