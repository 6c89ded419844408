import * as fs from "node:fs";
import { readmePath, renderReadme } from "../tools/readme";

describe("README", () => {
    it("carries the current generated tables, resource counts from the offline plan included (run `npm run readme` after changing the stages)", async () => {
        const readme = fs.readFileSync(readmePath, "utf8");
        expect(await renderReadme(readme)).toBe(readme);
        // Thirty offline plans, one after the other, on a machine the other suites share.
    }, 300_000);
});
