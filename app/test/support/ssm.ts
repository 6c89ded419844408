/**
 * An SSM-compatible server for the tests: the moto server of s3.ts (one port answers every
 * service it mocks), reached by the AWS SDK through AWS_ENDPOINT_URL_SSM.
 */
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { startS3, S3Server } from "./s3";

export interface SsmServer extends S3Server {
    /** Writes the parameter as an operator does (`aws ssm put-parameter --type String --overwrite`). */
    put(name: string, value: string): Promise<void>;
}

export async function startSsm(): Promise<SsmServer> {
    const moto = await startS3();
    const env: Record<string, string> = { ...moto.env, AWS_ENDPOINT_URL_SSM: moto.endpoint };
    const client = new SSMClient({ region: env.AWS_REGION, endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
    return {
        ...moto,
        env,
        async put(name, value) {
            await client.send(new PutParameterCommand({ Name: name, Value: value, Type: "String", Overwrite: true }));
        },
        async stop() {
            client.destroy();
            await moto.stop();
        },
    };
}
