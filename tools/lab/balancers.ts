/**
 * The balancers AWS provides that the lab plays with nginx: the NLB of stage 8 (a layer-4
 * `stream` proxy sending proxy protocol v2 to the Nginx instances), Route 53's weighted
 * records of stage 9 (a `stream` proxy weighting connections between the cells), and the
 * internal ALB of stage 11 (path rules sending each app its modules' API paths, the same
 * patterns the stacks give the ALB). The Nginx fleet itself runs the project's renderer.
 */
import * as fs from "node:fs";
import { NginxConfArgs } from "../../components/edge/nginx-conf";
import { ShopApp, modulePathPatterns, routedModules } from "../../stacks/service-layout";

/** Debian's dynamic stream module (libnginx-mod-stream), which tools/ensure-system-packages.sh installs. */
export const streamModule = "/usr/lib/nginx/modules/ngx_stream_module.so";

type Paths = NonNullable<NginxConfArgs["paths"]>;

/** A layer-4 balancer over `servers` (host:port, weight); `proxyProtocol` sends the client's address as the NLB does. */
export function streamConf(port: number, servers: { address: string; weight?: number }[], proxyProtocol: boolean, paths: Paths): string {
    if (!fs.existsSync(streamModule))
        throw new Error(
            `nginx's stream module is not installed (${streamModule}): run \`bash tools/ensure-system-packages.sh\` as root, or apt-get install libnginx-mod-stream`,
        );
    return `# Rendered by the lab (tools/lab/balancers.ts): a layer-4 balancer.
load_module ${streamModule};
${mainContext(paths)}
stream {
    upstream cells {
${servers.map((s) => `        server ${s.address}${s.weight ? ` weight=${s.weight}` : ""} max_fails=1 fail_timeout=5s;`).join("\n")}
    }
    server {
        listen 127.0.0.1:${port};
        proxy_connect_timeout 1s;
        proxy_next_upstream on;
        proxy_protocol ${proxyProtocol ? "on" : "off"};
        proxy_pass cells;
    }
}
`;
}

/** The internal ALB of stage 11: the first app is the default; every other app gets its modules' API paths. */
export function pathRouterConf(port: number, apps: { key: string; app: ShopApp; addresses: string[] }[], paths: Paths): string {
    const upstreams = apps.map(
        ({ key, addresses }) => `    upstream ${key} {\n${addresses.map((a) => `        server ${a};`).join("\n")}\n        keepalive 16;\n    }`,
    );
    const routed = routedModules(apps.slice(1).map(({ key, app }) => [key, app]));
    // ALB path patterns with `*` as nginx regular expressions, the most specific first, as the listener rules' priorities order them.
    const rules = routed.flatMap(([key, module]) => modulePathPatterns(module).map((pattern) => [pattern, key] as const));
    const locations = rules.map(
        ([pattern, key]) =>
            `        location ~ ^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$ {\n            proxy_pass http://${key};\n        }`,
    );
    return `# Rendered by the lab (tools/lab/balancers.ts): the internal ALB's path rules.
${mainContext(paths)}
http {
    access_log ${paths.accessLog};
${["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `    ${kind}_temp_path ${paths.tempDir}/${kind};`).join("\n")}
${upstreams.join("\n")}
    server {
        listen 127.0.0.1:${port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;
        proxy_set_header X-Request-Id $http_x_request_id;
${locations.join("\n")}
        location / {
            proxy_pass http://${apps[0].key};
        }
    }
}
`;
}

/** What both balancers say outside their `stream` or `http` block: one worker, the sandbox's pid file and error log. */
function mainContext(paths: Paths): string {
    return `worker_processes 1;
pid ${paths.pidFile};
error_log ${paths.errorLog} warn;
events {
    worker_connections 4096;
}`;
}
