import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * A random value of the program's making, kept in a Secrets Manager secret of its own (the value
 * as the secret's whole string): what processes read at boot by the secret's ARN, and the pods'
 * Secret takes as the value. Rotation is a `pulumi up` that replaces the RandomPassword: a new
 * version, which rolls the fleets (their boot script names it) and the pods.
 */
export function generatedSecret(
    name: string,
    args: { description: string; password?: random.RandomPasswordArgs },
    opts: pulumi.CustomResourceOptions,
): { secretArn: pulumi.Output<string>; value: pulumi.Output<string>; version: pulumi.Output<string> } {
    const value = new random.RandomPassword(name, args.password ?? { length: 40, special: false }, opts);
    const secret = new aws.secretsmanager.Secret(name, { description: args.description }, opts);
    const version = new aws.secretsmanager.SecretVersion(name, { secretId: secret.id, secretString: value.result }, opts);
    return { secretArn: secret.arn, value: value.result, version: version.versionId };
}
