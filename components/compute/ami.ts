import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The current Amazon Linux 2023 AMI (x86_64) of the provider's region, looked up at deploy time. */
export function amazonLinux2023(opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    return aws.ec2.getAmiOutput(
        {
            owners: ["amazon"],
            mostRecent: true,
            filters: [
                { name: "name", values: ["al2023-ami-2023.*-kernel-*-x86_64"] },
                { name: "architecture", values: ["x86_64"] },
            ],
        },
        opts,
    ).id;
}
