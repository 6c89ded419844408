/**
 * TLS to RDS verified: the shop's image does not carry the RDS certificate authorities, so
 * the instance fetches AWS's bundle at boot and hands it to the container, where Node.js
 * trusts it through NODE_EXTRA_CA_CERTS and database URLs name it as `sslrootcert`.
 */
export const rdsCaPath = "/etc/shop/rds-ca.pem";
export const rdsCaUrl = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

/** Shell lines that download the bundle to `hostFile`. */
export function fetchRdsCertificates(hostFile: string): string {
    return `mkdir -p "$(dirname ${hostFile})"\ncurl -fsSL --retry 5 -o ${hostFile} ${rdsCaUrl}`;
}

/** `docker run` options that give the container the bundle. */
export function mountRdsCertificates(hostFile: string): string {
    return `-v ${hostFile}:${rdsCaPath}:ro -e NODE_EXTRA_CA_CERTS=${rdsCaPath}`;
}
