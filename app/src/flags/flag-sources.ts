/** Where the feature flags are read: one SSM parameter (stage 11 on) or a local file (the embedded default). */
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { readFile } from "node:fs/promises";
import { FlagsSource } from "./feature-flags";

/**
 * The parameter's value through the AWS SDK (the instance's or pod's role; a test server through
 * AWS_ENDPOINT_URL_SSM). A String parameter: flags are not secrets, and need no KMS key to read.
 */
export function ssmFlagsSource(name: string, region: string): FlagsSource & { close(): void } {
    // A read gets two seconds: a slow SSM must not pile reads up behind each other.
    const client = new SSMClient({ region, maxAttempts: 2, requestHandler: { requestTimeout: 2_000, connectionTimeout: 2_000 } });
    return {
        describe: `SSM parameter ${name}`,
        async read() {
            const { Parameter } = await client.send(new GetParameterCommand({ Name: name }));
            if (Parameter?.Value === undefined) throw new Error("the parameter has no value");
            return Parameter.Value;
        },
        close: () => client.destroy(),
    };
}

export function fileFlagsSource(file: string): FlagsSource {
    return { describe: `file ${file}`, read: () => readFile(file, "utf8") };
}
