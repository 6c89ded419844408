/**
 * Where the test servers Debian does not package are: asked of tools/ensure-test-servers.sh once,
 * then answered from the environment, which the processes a test starts inherit.
 */
import { testServer, testServersVariable } from "../tools/servers/test-servers";

describe("the test servers' locations", () => {
    const saved = process.env[testServersVariable];
    afterEach(() => {
        if (saved === undefined) delete process.env[testServersVariable];
        else process.env[testServersVariable] = saved;
    });

    it("are answered from the environment when the run already asked the script", () => {
        process.env[testServersVariable] = "OPENSEARCH_HOME=/opt/search=home\nMOTO_SERVER=/opt/moto/bin/moto_server\n";
        expect(testServer("OPENSEARCH_HOME")).toBe("/opt/search=home");
        expect(testServer("MOTO_SERVER")).toBe("/opt/moto/bin/moto_server");
        expect(() => testServer("OPENSEARCH_SECURITY_HOME")).toThrow("tools/ensure-test-servers.sh did not say where OPENSEARCH_SECURITY_HOME is");
    });

    it("are asked of the script otherwise, and kept for the processes started after", () => {
        delete process.env[testServersVariable];
        const moto = testServer("MOTO_SERVER");
        expect(moto).toMatch(/\/moto_server$/);
        expect(process.env[testServersVariable]).toContain(`MOTO_SERVER=${moto}`);
        expect(process.env[testServersVariable]).toMatch(/^OPENSEARCH_HOME=\//m);
    });
});
