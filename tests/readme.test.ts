import * as fs from "node:fs";
import { readmePath, renderReadme } from "../tools/readme";

describe("README", () => {
    it("carries the current generated tables (run `npm run readme` after changing the stages)", () => {
        const readme = fs.readFileSync(readmePath, "utf8");
        expect(renderReadme(readme)).toBe(readme);
    });
});
