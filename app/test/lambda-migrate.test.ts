/**
 * The migration entry as a Lambda function (src/migrate.ts with AWS_LAMBDA_RUNTIME_API): a
 * Runtime API of the test's own hands it invocations (next), and it answers each (response), a
 * failing migration with the error endpoint (which fails `aws.lambda.Invocation`, so the deploy),
 * and a secret it cannot read before the first invocation with the init error endpoint. Its
 * secrets come by reference (SHOP_SECRET_REFS) from Secrets Manager (moto's server), on a real
 * PostgreSQL.
 */
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { Client } from "pg";
import { startMigrate } from "./support/migrate-process";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { S3Server, startS3 } from "./support/s3";

interface Posted {
    path: string;
    body: { [key: string]: unknown };
    errorType?: string;
}

/** A fake Lambda Runtime API: hands out the queued request ids, records what the function posts. */
async function startRuntimeApi(requestIds: string[]) {
    const posted: Posted[] = [];
    const waiting: http.ServerResponse[] = [];
    const listeners: (() => void)[] = [];
    const server = http.createServer((request, response) => {
        let body = "";
        request.on("data", (chunk) => (body += chunk));
        request.on("end", () => {
            if (request.method === "GET" && request.url === "/2018-06-01/runtime/invocation/next") {
                const id = requestIds.shift();
                // No more invocations: the request is held, as Lambda holds a frozen environment's.
                if (id === undefined) return void waiting.push(response);
                response.writeHead(200, {
                    "content-type": "application/json",
                    "lambda-runtime-aws-request-id": id,
                    "lambda-runtime-deadline-ms": String(Date.now() + 900_000),
                });
                return void response.end(JSON.stringify({ reason: "deploy" }));
            }
            if (request.method === "POST") {
                const errorType = request.headers["lambda-runtime-function-error-type"];
                posted.push({ path: request.url ?? "", body: JSON.parse(body || "{}"), errorType: typeof errorType === "string" ? errorType : undefined });
                listeners.splice(0).forEach((listener) => listener());
                response.writeHead(202);
                return void response.end('{"status":"OK"}');
            }
            response.writeHead(404);
            response.end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        posted,
        async until(count: number, timeoutMs = 120_000): Promise<Posted[]> {
            const deadline = Date.now() + timeoutMs;
            while (posted.length < count) {
                if (Date.now() > deadline) throw new Error(`the function posted ${posted.length} of ${count} answers: ${JSON.stringify(posted)}`);
                await new Promise<void>((resolve) => {
                    listeners.push(resolve);
                    setTimeout(resolve, 500);
                });
            }
            return posted;
        },
        async stop() {
            for (const response of waiting) response.destroy();
            server.closeAllConnections();
            await new Promise((resolve) => server.close(resolve));
        },
    };
}

const masterPassword = "master-password-lambda";
const roles = { CATALOG: "catalog-role-lambda-1", ORDERS: "orders-role-lambda-1", USERS: "users-role-lambda-1", COMMENTS: "comments-role-lambda-1" };

describe("the migration entry as a Lambda function", () => {
    let server: PostgresServer;
    let moto: S3Server;
    let refs: Record<string, { secretArn: string; jsonKey?: string }>;
    const stops: (() => Promise<void>)[] = [];

    const baseEnv = (runtimeApi: string, database = "shop") => ({
        ...moto.env,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
        AWS_LAMBDA_RUNTIME_API: runtimeApi,
        SHOP_DATABASE_URL: `postgres://master@127.0.0.1:${server.port}/${database}`,
        SHOP_SECRET_REFS: JSON.stringify(refs),
    });

    beforeAll(async () => {
        [server, moto] = await Promise.all([startPostgres(), startS3()]);
        server.psql("postgres", `CREATE ROLE master LOGIN CREATEROLE PASSWORD '${masterPassword}'; CREATE DATABASE shop OWNER master;`);
        const secrets = new SecretsManagerClient({
            endpoint: moto.endpoint,
            region: moto.env.AWS_REGION,
            credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
        });
        const create = async (name: string, value: string) => (await secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }))).ARN!;
        // The master's secret is JSON, as the stacks keep a cluster's; the roles' are plain strings.
        refs = {
            SHOP_DATABASE_PASSWORD: {
                secretArn: await create("shop/master", JSON.stringify({ username: "master", password: masterPassword })),
                jsonKey: "password",
            },
        };
        for (const [domain, password] of Object.entries(roles))
            refs[`SHOP_ROLE_PASSWORD_${domain}`] = { secretArn: await create(`shop/role-${domain.toLowerCase()}`, password) };
        secrets.destroy();
    }, 120_000);
    afterAll(async () => {
        for (const stop of stops) await stop();
        await moto?.stop();
        await server?.stop();
    });

    it("answers every invocation with what it did, reading its passwords from Secrets Manager", async () => {
        const api = await startRuntimeApi(["first-invocation", "second-invocation"]);
        const fn = startMigrate(baseEnv(api.address));
        stops.push(
            () => fn.stop(),
            () => api.stop(),
        );
        const posted = await api.until(2).catch((err: Error) => Promise.reject(new Error(`${err.message}\n${fn.output()}`)));
        const answer = {
            migrated: ["catalog", "orders", "users", "comments"],
            roles: ["shop_catalog", "shop_orders", "shop_users", "shop_comments"],
            search: false,
        };
        expect(posted).toEqual([
            { path: "/2018-06-01/runtime/invocation/first-invocation/response", body: answer },
            { path: "/2018-06-01/runtime/invocation/second-invocation/response", body: answer },
        ]);
        // The role signs in with the password that only Secrets Manager held.
        const catalog = new Client({ connectionString: `postgres://shop_catalog:${roles.CATALOG}@127.0.0.1:${server.port}/shop` });
        await catalog.connect();
        expect((await catalog.query("SELECT count(*)::int AS n FROM products")).rows[0].n).toBe(1008);
        await catalog.end();
    }, 180_000);

    it("posts a failing migration to the error endpoint, and serves the next invocation", async () => {
        const api = await startRuntimeApi(["failing-invocation", "next-invocation"]);
        const fn = startMigrate(baseEnv(api.address, "no_such_database"));
        stops.push(
            () => fn.stop(),
            () => api.stop(),
        );
        const [posted, next] = await api.until(2);
        expect(posted.path).toBe("/2018-06-01/runtime/invocation/failing-invocation/error");
        expect(next.path).toBe("/2018-06-01/runtime/invocation/next-invocation/error");
        expect(posted.errorType).toBe("Unhandled");
        expect(posted.body.errorMessage).toBe('migrations failed: database "no_such_database" does not exist');
        expect(posted.body.errorType).toBe("Error");
    }, 120_000);

    it("reports a secret it cannot read to the init error endpoint, naming the variable, and exits", async () => {
        const api = await startRuntimeApi(["never-served"]);
        const missing = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/gone-AbCdEf";
        const fn = startMigrate({ ...baseEnv(api.address), SHOP_SECRET_REFS: JSON.stringify({ ...refs, SHOP_ROLE_PASSWORD_USERS: { secretArn: missing } }) });
        stops.push(
            () => fn.stop(),
            () => api.stop(),
        );
        const [posted] = await api.until(1);
        expect(posted.path).toBe("/2018-06-01/runtime/init/error");
        expect(posted.errorType).toBe("Runtime.InitError");
        expect(await fn.exited).toBe(1);
        expect(api.posted).toHaveLength(1);
        expect(String(posted.body.errorMessage)).toMatch(
            new RegExp(`^SHOP_SECRET_REFS: could not read SHOP_ROLE_PASSWORD_USERS \\(${missing.replace(/[/]/g, "\\/")}\\): `),
        );
    }, 120_000);
});
