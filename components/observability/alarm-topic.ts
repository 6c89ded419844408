import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "../iam";

export interface Subscriber {
    /** How SNS delivers: email (confirmed by its owner), an HTTPS endpoint, an SQS queue or a Lambda function. */
    protocol: "email" | "https" | "sqs" | "lambda";
    endpoint: string;
}

export interface AlarmTopicArgs {
    /** Who is told. @default none (subscribe later to the topic's ARN) */
    subscribers?: Subscriber[];
    tags?: Record<string, string>;
}

/**
 * The SNS topic alarms notify, encrypted with a KMS key of its own. CloudWatch publishes to an
 * encrypted topic only when the key's policy lets cloudwatch.amazonaws.com generate data keys
 * and decrypt with it (the SNS developer guide, "Enable compatibility between event sources and
 * encrypted topics"): the AWS-managed alias/aws/sns key cannot be given that right, so the topic
 * has a customer-managed key. A CloudWatch alarm notifies a topic of its own region only: a
 * stack makes one such topic in each region it alarms in.
 */
export function alarmTopic(name: string, args: AlarmTopicArgs, opts: pulumi.CustomResourceOptions): aws.sns.Topic {
    const tags = args.tags ?? {};
    const account = aws.getCallerIdentityOutput({}, opts).accountId;
    const key = new aws.kms.Key(
        `${name}-alarms`,
        {
            description: `Alarm notifications of ${name}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: account.apply((id) =>
                policyDocument([
                    { Sid: "Account", Principal: { AWS: `arn:aws:iam::${id}:root` }, Action: "kms:*", Resource: "*" },
                    {
                        Sid: "CloudWatchAlarms",
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                        Resource: "*",
                        Condition: { StringEquals: { "aws:SourceAccount": id } },
                    },
                ]),
            ),
            tags,
        },
        opts,
    );
    const topic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: key.arn, tags }, opts);
    new aws.sns.TopicPolicy(
        `${name}-alarms`,
        {
            arn: topic.arn,
            policy: pulumi.all([topic.arn, account]).apply(([arn, id]) =>
                policyDocument([
                    {
                        Sid: "Account",
                        Principal: { AWS: `arn:aws:iam::${id}:root` },
                        Action: ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"],
                        Resource: arn,
                    },
                    {
                        Sid: "CloudWatchAlarms",
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: "sns:Publish",
                        Resource: arn,
                        Condition: { StringEquals: { "aws:SourceAccount": id } },
                    },
                ]),
            ),
        },
        opts,
    );
    (args.subscribers ?? []).forEach(
        (subscriber, i) =>
            new aws.sns.TopicSubscription(`${name}-alarms-${i}`, { topic: topic.arn, protocol: subscriber.protocol, endpoint: subscriber.endpoint }, opts),
    );
    return topic;
}
