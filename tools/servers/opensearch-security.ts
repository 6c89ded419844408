/**
 * The security plugin's configuration for a test node (tools/ensure-test-servers.sh installs the
 * plugin), as the AWS domain's fine-grained access control has it: HTTP basic authentication
 * against the plugin's internal users, one master user with all access and the security API, and
 * nobody else (none of the plugin's demo users). The transport layer needs TLS: a certificate
 * authority and a node certificate made for this node only, with openssl. HTTP stays plain on
 * loopback, so the shop's client needs no extra certificate authority.
 */
import bcrypt from "bcryptjs";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";

export interface MasterUser {
    user: string;
    password: string;
}

const nodeDn = "CN=shop-test-node";
/**
 * The cost of the node's password hashes (bcrypt's log2 rounds; the plugin's default is 12, the least 4). Every
 * user made or checked costs a hash, about 0.3 s of a core at 12 on a test node's quick compiler: a fifth of the
 * node's CPU in the search user's suite. What the tests check (who may do what) does not depend on it.
 */
const bcryptRounds = 4;

/** Writes the certificates and the plugin's settings into `configDir` (a copy of the distribution's config) and answers the master user. */
export function secureConfig(configDir: string): MasterUser {
    const master = { user: "master", password: `Master-${randomBytes(12).toString("hex")}` };
    makeCertificates(configDir);
    // The bcrypt hash the plugin's tools/hash.sh would write, made here: that script starts a JVM for it (the search user's
    // suite alone used 14.3 s of CPU with it, 10.0 s without).
    const hash = bcrypt.hashSync(master.password, bcryptRounds);
    const security = path.join(configDir, "opensearch-security");
    fs.writeFileSync(
        path.join(security, "internal_users.yml"),
        stringify({ _meta: { type: "internalusers", config_version: 2 }, [master.user]: { hash, backend_roles: ["admin"] } }),
    );
    fs.writeFileSync(
        path.join(security, "roles_mapping.yml"),
        stringify({
            _meta: { type: "rolesmapping", config_version: 2 },
            all_access: { backend_roles: ["admin"] },
            security_rest_api_access: { backend_roles: ["admin"] },
        }),
    );
    fs.appendFileSync(
        path.join(configDir, "opensearch.yml"),
        "\n" +
            stringify({
                "plugins.security.ssl.transport.pemcert_filepath": "node.pem",
                "plugins.security.ssl.transport.pemkey_filepath": "node-key.pem",
                "plugins.security.ssl.transport.pemtrustedcas_filepath": "root-ca.pem",
                "plugins.security.ssl.transport.enforce_hostname_verification": false,
                "plugins.security.ssl.http.enabled": false,
                "plugins.security.nodes_dn": [nodeDn],
                // The first start writes the users and mappings above into the security index (no securityadmin run).
                "plugins.security.allow_default_init_securityindex": true,
                "plugins.security.restapi.roles_enabled": ["all_access", "security_rest_api_access"],
                "plugins.security.password.hashing.bcrypt.rounds": bcryptRounds,
            }),
    );
    return master;
}

function makeCertificates(configDir: string): void {
    const file = (name: string) => path.join(configDir, name);
    const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=shop-test-root",
        "-keyout",
        file("root-ca-key.pem"),
        "-out",
        file("root-ca.pem"),
    );
    // The plugin reads PKCS#8 keys, which is what `req -newkey` writes.
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/${nodeDn}`, "-keyout", file("node-key.pem"), "-out", file("node.csr"));
    fs.writeFileSync(
        file("node.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n",
    );
    openssl(
        "x509",
        "-req",
        "-days",
        "2",
        "-in",
        file("node.csr"),
        "-CA",
        file("root-ca.pem"),
        "-CAkey",
        file("root-ca-key.pem"),
        "-CAcreateserial",
        "-extfile",
        file("node.ext"),
        "-out",
        file("node.pem"),
    );
}
