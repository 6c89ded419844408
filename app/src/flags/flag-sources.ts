/** Where the feature flags are read: one SSM parameter (stage 11 on) or a local file (the embedded default). */
import type { SSMClient } from "@aws-sdk/client-ssm";
import { readFile } from "node:fs/promises";
import { FlagsSource } from "./feature-flags";

/**
 * The parameter's value through the AWS SDK (the instance's or pod's role; a test server through
 * AWS_ENDPOINT_URL_SSM). A String parameter: flags are not secrets, and need no KMS key to read.
 * The SDK's SSM client loads at the first read: a shop on the file source never pays for it.
 */
export function ssmFlagsSource(name: string, region: string): FlagsSource & { close(): void } {
    let client: SSMClient | undefined;
    const sdk = async () => {
        const { GetParameterCommand, SSMClient } = await import("@aws-sdk/client-ssm");
        // A read gets two seconds: a slow SSM must not pile reads up behind each other.
        client ??= new SSMClient({ region, maxAttempts: 2, requestHandler: { requestTimeout: 2_000, connectionTimeout: 2_000 } });
        return { client, GetParameterCommand };
    };
    return {
        describe: `SSM parameter ${name}`,
        async read() {
            const { client, GetParameterCommand } = await sdk();
            const { Parameter } = await client.send(new GetParameterCommand({ Name: name }));
            if (Parameter?.Value === undefined) throw new Error("the parameter has no value");
            return Parameter.Value;
        },
        close: () => client?.destroy(),
    };
}

export function fileFlagsSource(file: string): FlagsSource {
    return { describe: `file ${file}`, read: () => readFile(file, "utf8") };
}
