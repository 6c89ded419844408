/**
 * An S3-compatible server for the tests: moto's server from PyPI (tools/ensure-test-servers.sh),
 * on a free loopback port, in memory. The shop reaches it through the AWS SDK's own endpoint
 * variable (AWS_ENDPOINT_URL_S3), with throwaway credentials.
 */
import { ChildProcess, spawn } from "node:child_process";
import { acceptsConnections, freePort } from "../../../tools/servers/ports";
import { testServer } from "../../../tools/servers/test-servers";

export interface S3Server {
    endpoint: string;
    /** The environment that points the AWS SDK at this server. */
    env: Record<string, string>;
    stop(): Promise<void>;
}

export async function startS3(): Promise<S3Server> {
    const port = await freePort();
    const child: ChildProcess = spawn(testServer("MOTO_SERVER"), ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    for (const deadline = Date.now() + 30_000; !(await acceptsConnections(port));) {
        if (child.exitCode !== null || Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error(`moto_server did not start: ${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const endpoint = `http://127.0.0.1:${port}`;
    return {
        endpoint,
        env: { AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "eu-west-1" },
        async stop() {
            if (child.exitCode !== null) return;
            const exited = new Promise((resolve) => child.once("exit", resolve));
            child.kill("SIGTERM");
            await exited;
        },
    };
}
