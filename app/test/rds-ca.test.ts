/** The migration function's RDS bundle: fetched once into its file before anything connects, refused when it is not a bundle. */
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ensureRdsCertificates } from "../src/rds-ca";

describe("the RDS certificate bundle for the migration function", () => {
    let server: http.Server;
    let url = "";
    let requests = 0;
    beforeAll(async () => {
        server = http.createServer((req, res) => {
            requests++;
            if (req.url === "/bundle.pem") res.end("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
            else res.writeHead(404).end("no such file");
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it("fetches the bundle into its file once, and names a bad answer", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rds-ca-"));
        const file = path.join(dir, "rds-ca.pem");
        await ensureRdsCertificates({ SHOP_RDS_CA_URL: `${url}/bundle.pem`, SHOP_RDS_CA_FILE: file });
        expect(fs.readFileSync(file, "utf8")).toContain("BEGIN CERTIFICATE");
        await ensureRdsCertificates({ SHOP_RDS_CA_URL: `${url}/bundle.pem`, SHOP_RDS_CA_FILE: file });
        expect(requests).toBe(1);
        const other = path.join(path.dirname(file), "other.pem");
        await expect(ensureRdsCertificates({ SHOP_RDS_CA_URL: `${url}/missing.pem`, SHOP_RDS_CA_FILE: other })).rejects.toThrow(
            `SHOP_RDS_CA_URL: ${url}/missing.pem answered 404, not a certificate bundle`,
        );
        expect(fs.existsSync(other)).toBe(false);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
