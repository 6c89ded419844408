/**
 * The AsyncLocalStorages a test file used are disabled when its runtime is torn down
 * (tests/support/async-storage-per-file.js), so that node stops calling them for every promise of
 * the worker's later files; one used again works as before. Run in a process of its own: the
 * patch is the worker's, and this file runs under it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const module = path.join(__dirname, "support", "async-storage-per-file.js");

it("disables at a runtime's teardown the storages used since the last, and a storage used again is enabled again", () => {
    const script = `
        const { AsyncLocalStorage } = require("node:async_hooks");
        const { disableStoragesAtTeardown } = require(${JSON.stringify(module)});
        class Runtime { teardown(answer) { return "torn down: " + answer; } }
        disableStoragesAtTeardown(Runtime);
        const [entered, ran] = [new AsyncLocalStorage(), new AsyncLocalStorage()];
        entered.enterWith("entered");
        ran.run("ran", () => {
            const before = [entered.getStore(), ran.getStore()];
            const teardown = new Runtime().teardown(42);
            const after = [entered.getStore() ?? "none", ran.getStore() ?? "none"];
            const again = ran.run("again", () => ran.getStore());
            const disabledAgain = (new Runtime().teardown(0), ran.run("third", () => ran.getStore()));
            console.log(JSON.stringify({ before, teardown, after, again, disabledAgain }));
        });`;
    const { status, stdout, stderr } = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    expect(JSON.parse(stdout)).toEqual({
        before: ["entered", "ran"],
        teardown: "torn down: 42",
        after: ["none", "none"],
        again: "again",
        disabledAgain: "third",
    });
});

it("is what the runtime of this project's suites does (jest.config.js, tests/support/jest-runtime.js)", () => {
    // This file runs under that runtime: the storages' `run` is the one that notes its storage.
    expect(AsyncLocalStorage.prototype.run.toString()).toContain("used.add(this)");
});
