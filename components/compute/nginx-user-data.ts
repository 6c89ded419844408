/**
 * The first-boot script of an Nginx fleet instance: install nginx, write the rendered
 * configuration, check it with `nginx -t`, start it. A new configuration means a new
 * script, a new launch template version and a rolling instance refresh.
 */
export function renderNginxUserData(nginxConf: string): string {
    const delimiter = "SHOP_NGINX_CONF";
    if (nginxConf.split("\n").includes(delimiter)) throw new Error(`renderNginxUserData: the configuration contains the line ${delimiter}`);
    return `#!/bin/bash
# shop-evolution Nginx fleet instance.
set -euo pipefail
exec > >(tee -a /var/log/shop-bootstrap.log) 2>&1

dnf install -y nginx
cat > /etc/nginx/nginx.conf <<'${delimiter}'
${nginxConf.replace(/\n$/, "")}
${delimiter}
nginx -t
systemctl enable --now nginx
`;
}

/** The nginx.conf inside a script made by renderNginxUserData. */
export function nginxConfOf(userData: string): string {
    const match = /<<'SHOP_NGINX_CONF'\n([\s\S]*?)\nSHOP_NGINX_CONF\n/.exec(userData);
    if (!match) throw new Error("no nginx.conf in this user data");
    return `${match[1]}\n`;
}
