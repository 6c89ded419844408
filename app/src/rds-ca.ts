/**
 * The RDS certificate authorities for a process that starts without them (the migration function:
 * Lambda runs the image as it is, and only /tmp is writable). With SHOP_RDS_CA_URL and
 * SHOP_RDS_CA_FILE set, the bundle is fetched once into the file, which the database URLs name as
 * `sslrootcert`, before anything connects; TLS to the databases stays verified.
 */
import * as fs from "node:fs";

export async function ensureRdsCertificates(env: Record<string, string | undefined>): Promise<void> {
    const url = env.SHOP_RDS_CA_URL;
    const file = env.SHOP_RDS_CA_FILE;
    if (!url || !file || fs.existsSync(file)) return;
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    if (!response.ok || !text.includes("BEGIN CERTIFICATE")) throw new Error(`SHOP_RDS_CA_URL: ${url} answered ${response.status}, not a certificate bundle`);
    fs.writeFileSync(`${file}.partial`, text);
    fs.renameSync(`${file}.partial`, file);
}
