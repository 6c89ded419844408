import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const keptResolutions = path.join(__dirname, "..", "tools", "kept-resolutions.js");

describe("the resolutions a process keeps for the next (tools/kept-resolutions.js)", () => {
    let dir: string;
    let kept: string;
    let stamp: string;
    beforeEach(() => {
        // Its real path: node names modules so (a temporary folder may be behind a link, as on macOS).
        dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "kept-resolutions-")));
        kept = path.join(dir, "cache", "resolutions.json");
        stamp = path.join(dir, "installed.json");
        fs.writeFileSync(stamp, "one install");
        fs.mkdirSync(path.join(dir, "node_modules", "answer"), { recursive: true });
        fs.writeFileSync(path.join(dir, "node_modules", "answer", "package.json"), JSON.stringify({ main: "forty-two.js" }));
        fs.writeFileSync(path.join(dir, "node_modules", "answer", "forty-two.js"), "module.exports = 42;\n");
        fs.writeFileSync(path.join(dir, "helper.js"), "module.exports = 'helper';\n");
        fs.writeFileSync(path.join(dir, "other.js"), "module.exports = 'other';\n");
        fs.writeFileSync(
            path.join(dir, "main.js"),
            [
                `require(${JSON.stringify(keptResolutions)}).keepResolutions(${JSON.stringify(kept)}, [${JSON.stringify(stamp)}]);`,
                "const answers = { helper: require('./helper'), answer: require('answer'), os: typeof require('node:os').cpus };",
                "answers.resolved = require.resolve('./helper', { paths: [__dirname] });",
                "console.log(JSON.stringify(answers));",
            ].join("\n"),
        );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const run = () => {
        const { status, stdout, stderr } = spawnSync(process.execPath, [path.join(dir, "main.js")], { encoding: "utf8", env: { PATH: process.env.PATH } });
        expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
        return JSON.parse(stdout);
    };
    const keptAnswers = () => JSON.parse(fs.readFileSync(kept, "utf8")).resolutions as Record<string, string>;
    const keyOf = (request: string) => `${dir}\0${request}`;

    it("keeps where each of a process's requires led, and a later process takes those answers", () => {
        expect(run()).toEqual({ helper: "helper", answer: 42, os: "function", resolved: path.join(dir, "helper.js") });
        // Only what node searched for: not the built-in, not the resolution with its own search paths.
        expect(keptAnswers()).toEqual({
            [keyOf("./helper")]: path.join(dir, "helper.js"),
            [keyOf("answer")]: path.join(dir, "node_modules", "answer", "forty-two.js"),
        });
        // The next process loads what the kept answer names, without searching: an answer planted there is taken.
        fs.writeFileSync(
            kept,
            JSON.stringify({
                ...JSON.parse(fs.readFileSync(kept, "utf8")),
                resolutions: { ...keptAnswers(), [keyOf("./helper")]: path.join(dir, "other.js") },
            }),
        );
        expect(run().helper).toBe("other");
    });

    it("searches again for an answer whose file is gone, and keeps the new one beside the others", () => {
        run();
        fs.renameSync(path.join(dir, "node_modules", "answer", "forty-two.js"), path.join(dir, "node_modules", "answer", "index.js"));
        fs.writeFileSync(path.join(dir, "node_modules", "answer", "package.json"), "{}");
        expect(run().answer).toBe(42);
        expect(keptAnswers()).toEqual({
            [keyOf("./helper")]: path.join(dir, "helper.js"),
            [keyOf("answer")]: path.join(dir, "node_modules", "answer", "index.js"),
        });
    });

    it("starts afresh when the installed packages or the build changed, or the file is not one it wrote", () => {
        run();
        fs.writeFileSync(
            kept,
            JSON.stringify({
                ...JSON.parse(fs.readFileSync(kept, "utf8")),
                resolutions: { ...keptAnswers(), [keyOf("./helper")]: path.join(dir, "other.js") },
            }),
        );
        fs.writeFileSync(stamp, "another install");
        expect(run().helper).toBe("helper");
        expect(keptAnswers()[keyOf("./helper")]).toBe(path.join(dir, "helper.js"));
        fs.writeFileSync(kept, "not JSON");
        expect(run().helper).toBe("helper");
        expect(Object.keys(keptAnswers())).toHaveLength(2);
    });
});
