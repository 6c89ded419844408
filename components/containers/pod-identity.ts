import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, Statement } from "../iam";

export interface PodIdentityArgs {
    clusterName: pulumi.Input<string>;
    namespace: pulumi.Input<string>;
    serviceAccount: pulumi.Input<string>;
    /** Inline permissions of the role. @default none */
    statements?: pulumi.Input<Statement>[];
    /** AWS managed policies attached to the role. @default none */
    managedPolicyArns?: string[];
    tags?: Record<string, string>;
}

/** Trust for EKS Pod Identity: the agent on each node assumes the role for the pod, tagging the session with the pod's identity. */
export const podIdentityTrust = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
});

/**
 * An IAM role for the pods of one Kubernetes service account, through EKS Pod Identity: no
 * OIDC provider, no annotation on the service account, and the role's trust names no cluster,
 * so the same role can serve the cluster that replaces this one.
 */
export function podIdentityRole(name: string, args: PodIdentityArgs, opts: pulumi.CustomResourceOptions): aws.iam.Role {
    const role = new aws.iam.Role(name, { assumeRolePolicy: podIdentityTrust, tags: args.tags }, opts);
    if (args.statements && args.statements.length > 0) {
        new aws.iam.RolePolicy(
            name,
            { role: role.id, policy: pulumi.all(args.statements).apply((statements) => policyDocument(statements as Statement[])) },
            opts,
        );
    }
    for (const [i, arn] of (args.managedPolicyArns ?? []).entries()) {
        new aws.iam.RolePolicyAttachment(`${name}-${i}`, { role: role.name, policyArn: arn }, opts);
    }
    new aws.eks.PodIdentityAssociation(
        name,
        { clusterName: args.clusterName, namespace: args.namespace, serviceAccount: args.serviceAccount, roleArn: role.arn, tags: args.tags },
        opts,
    );
    return role;
}
