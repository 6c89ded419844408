/**
 * Renders nginx.conf for the Nginx fleet: the same renderer serves the EC2 fleet (stage 4+)
 * and the Kubernetes workload (stage 14). A pure function of a typed description, so the
 * tests can hand its output to the real `nginx -t` and run it in front of real backends.
 */

export interface UpstreamServer {
    /** host:port of one backend. */
    address: string;
    /** Share of requests relative to the other servers. @default 1 */
    weight?: number;
}

export type Upstream =
    /** A fixed list of backends: keepalive and passive health checks apply. */
    | { servers: UpstreamServer[] }
    /**
     * One DNS name (an internal load balancer, a Kubernetes Service), re-resolved through
     * `resolver` every `resolveEverySeconds`, since the addresses behind it change.
     */
    | { dnsName: string; port: number; resolver: string; resolveEverySeconds?: number };

export interface NginxConfArgs {
    upstream: Upstream;
    /** Port nginx listens on. @default 80 */
    listenPort?: number;
    /**
     * A second, plain port that answers only `/healthz`: for kubelet probes and load balancer
     * health checks, which speak no proxy protocol. @default none
     */
    healthPort?: number;
    /** Where requests come from, for the real client address: behind an ALB (X-Forwarded-For), an NLB with proxy protocol, or directly. @default "direct" */
    clientAddress?: { from: "alb" | "nlb-proxy-protocol"; trustedCidrs: string[] } | { from: "direct" };
    /** Idle keepalive connections kept open to the backends, per worker. @default 32 */
    upstreamKeepalive?: number;
    /** Seconds to connect to a backend, and to wait on reads and writes. @default { connect: 2, read: 30, send: 30 } */
    timeouts?: { connect?: number; read?: number; send?: number };
    /** Passive health: failures within `failTimeoutSeconds` that take a backend out for that long. @default { maxFails: 2, failTimeoutSeconds: 10 } */
    passiveHealth?: { maxFails?: number; failTimeoutSeconds?: number };
    /** Per-client request rate limit; 429 beyond it. @default { requestsPerSecond: 50, burst: 100 } */
    rateLimit?: { requestsPerSecond: number; burst: number };
    /** Largest request body accepted. @default "1m" */
    clientMaxBodySize?: string;
    /** Connections per worker. @default 4096 */
    workerConnections?: number;
    /** File locations; tests point them into a temporary directory. @default the system's */
    paths?: { pidFile?: string; errorLog?: string; accessLog?: string; tempDir?: string; mimeTypes?: string };
}

/** Characters allowed in values spliced into the configuration. */
const confSafe = /^[A-Za-z0-9._:/[\]-]+$/;

export function renderNginxConf(args: NginxConfArgs): string {
    const problems = nginxConfProblems(args);
    if (problems.length > 0) throw new Error(`renderNginxConf: ${problems.join("; ")}`);

    const listenPort = args.listenPort ?? 80;
    const client = args.clientAddress ?? { from: "direct" };
    const keepalive = args.upstreamKeepalive ?? 32;
    const timeouts = { connect: 2, read: 30, send: 30, ...args.timeouts };
    const health = { maxFails: 2, failTimeoutSeconds: 10, ...args.passiveHealth };
    const rate = args.rateLimit ?? { requestsPerSecond: 50, burst: 100 };
    const paths = {
        pidFile: "/run/nginx.pid",
        errorLog: "/var/log/nginx/error.log",
        accessLog: "/var/log/nginx/access.log",
        mimeTypes: "/etc/nginx/mime.types",
        ...args.paths,
    };
    const proxyProtocol = client.from === "nlb-proxy-protocol";

    const realIp =
        client.from === "direct"
            ? []
            : [
                  ...client.trustedCidrs.map((cidr) => `set_real_ip_from ${cidr};`),
                  proxyProtocol ? "real_ip_header proxy_protocol;" : "real_ip_header X-Forwarded-For;",
                  "real_ip_recursive on;",
              ];
    const upstream =
        "servers" in args.upstream
            ? [
                  "upstream shop {",
                  ...args.upstream.servers.map(
                      (s) =>
                          `    server ${s.address}${s.weight && s.weight !== 1 ? ` weight=${s.weight}` : ""} max_fails=${health.maxFails} fail_timeout=${health.failTimeoutSeconds}s;`,
                  ),
                  `    keepalive ${keepalive};`,
                  "    keepalive_timeout 60s;",
                  "}",
              ]
            : [`resolver ${args.upstream.resolver} valid=${args.upstream.resolveEverySeconds ?? 10}s ipv6=off;`];
    // With a variable, nginx resolves the name at request time instead of once at start.
    const proxyPass =
        "servers" in args.upstream
            ? "proxy_pass http://shop;"
            : `set $shop_upstream http://${args.upstream.dnsName}:${args.upstream.port};\n            proxy_pass $shop_upstream;`;
    const temp = args.paths?.tempDir
        ? ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `${kind}_temp_path ${args.paths!.tempDir}/${kind};`)
        : [];

    const healthServer =
        args.healthPort === undefined
            ? []
            : [
                  "# Health only, without proxy protocol: for probes and load balancer health checks.",
                  "server {",
                  `    listen ${args.healthPort};`,
                  "    access_log off;",
                  "    location = /healthz {",
                  "        default_type text/plain;",
                  '        return 200 "ok\\n";',
                  "    }",
                  "    location / {",
                  "        return 404;",
                  "    }",
                  "}",
              ];

    return `# Rendered by shop-evolution (components/edge/nginx-conf.ts). Do not edit by hand.
worker_processes auto;
pid ${paths.pidFile};
error_log ${paths.errorLog} warn;

events {
    worker_connections ${args.workerConnections ?? 4096};
}

http {
    include ${paths.mimeTypes};
    default_type application/octet-stream;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    # A client has seconds, not minutes, to send its headers and each part of its body: slow clients must not hold the workers' connections.
    client_header_timeout 5s;
    client_body_timeout 10s;
    send_timeout 30s;
    client_max_body_size ${args.clientMaxBodySize ?? "1m"};
${indent(temp, 1)}
    log_format json escape=json '{"time":"$time_iso8601","client":"$remote_addr","method":"$request_method",'
        '"uri":"$request_uri","status":$status,"bytes":$body_bytes_sent,"duration":$request_time,'
        '"upstream":"$upstream_addr","upstream_status":"$upstream_status","upstream_duration":"$upstream_response_time",'
        '"request_id":"$request_id","user_agent":"$http_user_agent"}';
    access_log ${paths.accessLog} json;

    gzip on;
    gzip_comp_level 5;
    gzip_min_length 1024;
    gzip_proxied any;
    gzip_vary on;
    gzip_types text/plain text/css application/json application/javascript text/xml application/xml image/svg+xml;

${indent(realIp, 1)}
    limit_req_zone $binary_remote_addr zone=per_client:10m rate=${rate.requestsPerSecond}r/s;
    limit_req_status 429;

    # The scheme the client used: from the load balancer in front, else our own.
    map $http_x_forwarded_proto $forwarded_proto {
        default $http_x_forwarded_proto;
        "" $scheme;
    }

${indent(upstream, 1)}

    server {
        listen ${listenPort}${proxyProtocol ? " proxy_protocol" : ""} default_server;

        # Answered by nginx itself: the load balancer checks nginx, the shop's own health is /readyz behind it.
        location = /healthz {
            access_log off;
            default_type text/plain;
            return 200 "ok\\n";
        }

        # The services' routes for each other (signed: app/src/http/internal-signature.ts) are called inside the VPC,
        # never from the internet: refused here whatever the signature (nginx matches the decoded, merged path).
        location ^~ /internal/ {
            return 404;
        }

        location / {
            limit_req zone=per_client${rate.burst > 0 ? ` burst=${rate.burst} nodelay` : ""};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            # The client's address as nginx found it (through real_ip from the trusted load balancer), never the chain
            # a client may have written: the shop trusts this header from nginx's range only (SHOP_TRUSTED_PROXIES).
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $forwarded_proto;
            proxy_set_header X-Request-Id $request_id;
            proxy_connect_timeout ${timeouts.connect}s;
            proxy_send_timeout ${timeouts.send}s;
            proxy_read_timeout ${timeouts.read}s;
            # Another backend gets the request only when one cannot be reached or does not answer in time: a 503
            # from a shared dependency (Redis, the database) is not the instance's fault, and counting it would
            # take every instance out at once. nginx retries only idempotent methods unless told otherwise,
            # so a POST to checkout is never sent twice.
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 2;
            proxy_next_upstream_timeout 10s;
            ${proxyPass}
        }
    }
${indent(healthServer, 1)}
}
`;
}

/** Every problem with a description, empty when it can be rendered. */
export function nginxConfProblems(args: NginxConfArgs): string[] {
    const problems: string[] = [];
    const check = (broken: boolean, message: string) => broken && problems.push(message);
    const upstream = args.upstream;
    if ("servers" in upstream) {
        check(upstream.servers.length === 0, "upstream.servers must list at least one server");
        for (const s of upstream.servers) {
            check(!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(s.address), `upstream server ${JSON.stringify(s.address)} must be host:port`);
            check(s.weight !== undefined && !(Number.isInteger(s.weight) && s.weight >= 1), `upstream server ${s.address} weight must be a positive integer`);
        }
    } else {
        check(!confSafe.test(upstream.dnsName), `upstream.dnsName ${JSON.stringify(upstream.dnsName)} is not a DNS name`);
        check(!confSafe.test(upstream.resolver), `upstream.resolver ${JSON.stringify(upstream.resolver)} is not an address`);
        check(!(Number.isInteger(upstream.port) && upstream.port > 0 && upstream.port < 65536), `upstream.port must be 1-65535 (got ${upstream.port})`);
    }
    const port = args.listenPort ?? 80;
    check(!(Number.isInteger(port) && port > 0 && port < 65536), `listenPort must be 1-65535 (got ${port})`);
    if (args.healthPort !== undefined) {
        check(!(Number.isInteger(args.healthPort) && args.healthPort > 0 && args.healthPort < 65536), `healthPort must be 1-65535 (got ${args.healthPort})`);
        check(args.healthPort === port, `healthPort must differ from listenPort (both ${port})`);
    }
    if (args.clientAddress && args.clientAddress.from !== "direct") {
        check(args.clientAddress.trustedCidrs.length === 0, "clientAddress.trustedCidrs must name the load balancer's networks");
        for (const cidr of args.clientAddress.trustedCidrs)
            check(!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(cidr), `trusted CIDR ${JSON.stringify(cidr)} is not a CIDR block`);
    }
    if (args.rateLimit) {
        check(!(args.rateLimit.requestsPerSecond >= 1), "rateLimit.requestsPerSecond must be at least 1");
        check(!(Number.isInteger(args.rateLimit.burst) && args.rateLimit.burst >= 0), "rateLimit.burst must be a whole number");
    }
    check(
        args.clientMaxBodySize !== undefined && !/^\d+[kKmM]?$/.test(args.clientMaxBodySize),
        `clientMaxBodySize must be a size such as 1m (got ${JSON.stringify(args.clientMaxBodySize)})`,
    );
    for (const [key, value] of Object.entries(args.paths ?? {})) check(value !== undefined && !confSafe.test(value), `paths.${key} is not a plain path`);
    return problems;
}

function indent(lines: string[], depth: number): string {
    return lines
        .flatMap((l) => l.split("\n"))
        .map((l) => `${"    ".repeat(depth)}${l}`)
        .join("\n");
}
