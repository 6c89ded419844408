/**
 * The search domain as AWS presents it, for the tests: HTTPS with a certificate the client must
 * verify, and a user and password (fine-grained access control's basic authentication). The
 * test distribution of OpenSearch has no security plugin, so the project's nginx stands in
 * front of it: a test certificate authority made here (openssl), a server certificate for
 * 127.0.0.1 signed by it, and basic authentication for one user.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { nginxBinary } from "../../../tools/servers/nginx";
import { acceptsConnections, freePort } from "../../../tools/servers/ports";

export interface TlsFront {
    /** https://<user>@127.0.0.1:<port>, as the stack hands SHOP_SEARCH_URL (the password apart). */
    url: string;
    user: string;
    password: string;
    /** The test CA's certificate (PEM file), for NODE_EXTRA_CA_CERTS. */
    caFile: string;
    stop(): Promise<void>;
}

export async function startTlsFront(upstreamPort: number, user = "shop", password = `pw-${randomBytes(9).toString("base64url")}`): Promise<TlsFront> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-tls-front-"));
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=shop-evolution test CA");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
    fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    );
    // nginx reads {SSHA} entries: base64(sha1(password + salt) + salt).
    const salt = randomBytes(8);
    const ssha = Buffer.concat([createHash("sha1").update(password).update(salt).digest(), salt]).toString("base64");
    fs.writeFileSync(path.join(dir, "htpasswd"), `${user}:{SSHA}${ssha}\n`);
    // nginx's workers read the password file; as root they run as nobody.
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, "htpasswd"), 0o644);
    fs.mkdirSync(path.join(dir, "temp"));
    const port = await freePort();
    fs.writeFileSync(
        path.join(dir, "nginx.conf"),
        `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path ${dir}/temp; proxy_temp_path ${dir}/temp; fastcgi_temp_path ${dir}/temp; uwsgi_temp_path ${dir}/temp; scgi_temp_path ${dir}/temp;
    client_max_body_size 50m;
    upstream opensearch { server 127.0.0.1:${upstreamPort}; keepalive 16; }
    server {
        listen 127.0.0.1:${port} ssl;
        ssl_certificate ${dir}/server.pem;
        ssl_certificate_key ${dir}/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        auth_basic "search";
        auth_basic_user_file ${dir}/htpasswd;
        location / {
            proxy_pass http://opensearch;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Authorization "";
        }
    }
}
`,
    );
    const child: ChildProcess = spawn(nginxBinary, ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"], {
        stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    for (const deadline = Date.now() + 10_000; !(await acceptsConnections(port));) {
        if (child.exitCode !== null || Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error(`nginx (TLS front) did not start: ${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
        url: `https://${user}@127.0.0.1:${port}`,
        user,
        password,
        caFile: path.join(dir, "ca.pem"),
        async stop() {
            if (child.exitCode === null) {
                const exited = new Promise((resolve) => child.once("exit", resolve));
                child.kill("SIGQUIT");
                await exited;
            }
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
