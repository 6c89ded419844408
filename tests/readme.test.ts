import * as fs from "node:fs";
import { readmePath, renderReadme } from "../tools/readme";
import { sharedPlan } from "./support/shared-plans";

describe("README", () => {
    it("carries the current generated tables, resource counts from the offline plan included (run `npm run readme` after changing the stages)", async () => {
        const readme = fs.readFileSync(readmePath, "utf8");
        expect(await renderReadme(readme, sharedPlan)).toBe(readme);
        // Waits for the run's thirty shared plans.
    }, 600_000);
});
