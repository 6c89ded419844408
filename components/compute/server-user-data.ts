import { ecrLoginLine } from "./ecr-login";
import { envFileProblems, renderEnvFile, ShopEnvironment } from "./env-file";
import { fetchRdsCertificates, mountRdsCertificates } from "./rds-certificates";

/**
 * The first-boot script of the single server: Docker, the data volume, PostgreSQL and the
 * shop as containers that restart with the machine (stage 1); from stage 2 on, the shop
 * alone, on the environment it is given (a database of its own), with the data volume
 * still mounted for the move of stage 1's data. A pure function of its inputs, so the
 * tests can check it with `bash -n`.
 */
export interface ServerUserDataArgs {
    /** The shop's container image. */
    image: string;
    /** The port the shop listens on inside its container. */
    containerPort: number;
    /** The region the server runs in (container logs, SHOP_REGION). */
    region: string;
    /** CloudWatch log group for the containers' output. */
    logGroupName: string;
    /** The EBS data volume that holds PostgreSQL's files. */
    dataVolumeId: string;
    /** Public host name; with one, Caddy terminates HTTPS with a certificate it obtains itself. */
    domain?: string;
    /**
     * The shop's environment when its database is elsewhere (stage 2 on): no PostgreSQL runs on
     * the server. Absent: PostgreSQL on the data volume (stage 1).
     */
    shopEnvironment?: ShopEnvironment;
    /** Fetch the RDS certificate authorities at boot, for TLS to RDS verified (the shop's image does not carry them). @default false */
    rdsCertificates?: boolean;
}

/** Images of the server's helpers, pinned so a reboot or a replacement never upgrades them silently. */
export const postgresImage = "docker.io/library/postgres:16.6";
export const caddyImage = "docker.io/library/caddy:2.8.4";

/** Characters allowed in values spliced into the script; anything else is refused by the caller. */
export const scriptSafe = /^[A-Za-z0-9._:/@+-]+$/;

export function renderServerUserData(args: ServerUserDataArgs): string {
    const { shopEnvironment, rdsCertificates, ...scalars } = args;
    for (const [key, value] of Object.entries(scalars)) {
        if (value !== undefined && !scriptSafe.test(String(value))) {
            throw new Error(`renderServerUserData: ${key} has characters that are not safe in a shell script: ${JSON.stringify(value)}`);
        }
    }
    const problems = shopEnvironment ? envFileProblems(shopEnvironment) : [];
    if (problems.length > 0) throw new Error(`renderServerUserData: ${problems.join("; ")}`);
    const { image, containerPort, region, logGroupName, dataVolumeId, domain } = scalars;
    const external = shopEnvironment !== undefined;
    const login = ecrLoginLine(image);
    const logging = (stream: string) =>
        `--log-driver awslogs --log-opt awslogs-region=${region} --log-opt awslogs-group=${logGroupName} --log-opt awslogs-stream=${stream}`;
    // Nitro instances expose an EBS volume as an NVMe device named after the volume id, without its dash.
    const device = `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${dataVolumeId.replace("-", "")}`;

    return `#!/bin/bash
# shop-evolution stage 1: the shop and PostgreSQL on one server.
set -euo pipefail
exec > >(tee -a /var/log/shop-bootstrap.log) 2>&1

dnf install -y docker
systemctl enable --now docker

# The data volume is attached after the instance starts: wait for it, format it once, mount it.
device=${device}
for attempt in $(seq 1 120); do
  [ -e "$device" ] && break
  sleep 5
done
[ -e "$device" ] || { echo "data volume ${dataVolumeId} was never attached" >&2; exit 1; }
blkid "$device" >/dev/null || mkfs.xfs "$device"
mkdir -p /srv/shop
grep -q " /srv/shop " /etc/fstab || echo "$device /srv/shop xfs defaults,nofail 0 2" >> /etc/fstab
mount -a
mkdir -p /srv/shop/postgres

${
    external
        ? `dnf install -y jq
# The environment contract; secrets only in this root-only file, never in the user data.
${renderEnvFile("/srv/shop/shop.env", shopEnvironment, region)}
${rdsCertificates ? `${fetchRdsCertificates("/srv/shop/certs/rds-ca.pem")}\n` : ""}`
        : `# The database password is made on the box, once, and lives only on the encrypted data volume.
if [ ! -s /srv/shop/db-password ]; then
  (umask 077; openssl rand -hex 24 > /srv/shop/db-password)
fi
chown 999:999 /srv/shop/db-password
(umask 077; printf 'SHOP_DATABASE_PASSWORD=%s\\n' "$(cat /srv/shop/db-password)" > /srv/shop/shop.env)`
}
${login ? `\n${login}` : ""}
docker network inspect shop >/dev/null 2>&1 || docker network create shop
docker rm -f shop-db shop shop-proxy >/dev/null 2>&1 || true

${
    external
        ? "# The database lives elsewhere now; stage 1's files stay on the data volume until moved (README)."
        : `docker run -d --name shop-db --restart unless-stopped --network shop \\
  -e POSTGRES_USER=shop -e POSTGRES_DB=shop -e POSTGRES_PASSWORD_FILE=/run/secrets/db-password \\
  -v /srv/shop/db-password:/run/secrets/db-password:ro \\
  -v /srv/shop/postgres:/var/lib/postgresql/data \\
  ${logging("postgres")} \\
  ${postgresImage}`
}

docker run -d --name shop --restart unless-stopped --network shop \\
  -e PORT=${containerPort} -e SHOP_REGION=${region} \\
  ${external ? "" : "-e SHOP_DATABASE_URL=postgres://shop@shop-db:5432/shop "}--env-file /srv/shop/shop.env \\${rdsCertificates ? `\n  ${mountRdsCertificates("/srv/shop/certs/rds-ca.pem")} \\` : ""}
  ${domain ? "" : `-p 80:${containerPort} `}${logging("shop")} \\
  ${image}
${
    domain
        ? `
mkdir -p /srv/shop/caddy
docker run -d --name shop-proxy --restart unless-stopped --network shop \\
  -p 80:80 -p 443:443 -v /srv/shop/caddy:/data \\
  ${logging("proxy")} \\
  ${caddyImage} caddy reverse-proxy --from ${domain} --to shop:${containerPort}
`
        : ""
}`;
}
