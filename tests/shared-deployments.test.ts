import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deployStage } from "./support/deploy-stage";
import { sharedDeployment } from "./support/shared-deployments";
import { readWhenWritten } from "./support/shared-plans";

describe("a deployment shared by the suites", () => {
    it("is, read from the plan worker's JSON, what the same deployment registers in process, with its ignoreChanges", async () => {
        const shared = await sharedDeployment("prod", 11);
        // In a whole run, the infra project's global setup started the worker that answered.
        const dir = process.env.SHOP_PLAN_DIR;
        if (dir) expect(fs.existsSync(path.join(dir, "deployments", "prod-11.json"))).toBe(true);
        const here = await deployStage("prod", 11);
        expect(shared.resources).toEqual(here.resources);
        expect(shared.outputs).toEqual(here.outputs);
        expect(shared.ignoreChanges).toEqual(here.ignoreChanges);
        expect(shared.ignoreChanges["aws:ssm/parameter:Parameter::shop-flags-us-east-1"]).toEqual(["value"]);
        // Asked again, by slug too: the same deployment, not another.
        expect(await sharedDeployment("prod", "split-apps")).toBe(shared);
    }, 120_000);

    it("refuses a stage that does not exist before asking the worker", () => {
        expect(() => sharedDeployment("dev", 99)).toThrow("no stage 99");
    });

    it("fails with the worker's message when it could not deploy", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shared-deployments-"));
        try {
            fs.writeFileSync(path.join(dir, "dev-3.json.failed"), "stage 3 broke");
            await expect(readWhenWritten(dir, "dev-3.json", "deployment of dev stage 3")).rejects.toThrow(
                "the shared deployment of dev stage 3 failed: stage 3 broke",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
    it("is asked of the worker once: a request it could not answer is answered with its error, not tried again every round", async () => {
        const dir = process.env.SHOP_PLAN_DIR;
        if (!dir) return; // Only a whole run has the worker.
        const folder = path.join(dir, "deployments");
        fs.mkdirSync(folder, { recursive: true });
        fs.writeFileSync(path.join(folder, "no-such-stage.request"), "");
        await expect(readWhenWritten(dir, "deployments/no-such-stage.json", "deployment no-such-stage")).rejects.toThrow("no such deployment: no-such-stage");
        const failed = path.join(folder, "no-such-stage.json.failed");
        const answeredAt = fs.statSync(failed).mtimeMs;
        // The worker looks for requests every 50 ms.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(fs.statSync(failed).mtimeMs).toBe(answeredAt);
    });
});
