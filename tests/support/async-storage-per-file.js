/**
 * Node keeps every AsyncLocalStorage that was ever used (`run`, `enterWith`) in one list for the
 * whole process, and calls each of them for every promise, timer and socket made from then on,
 * until it is disabled. Jest gives each test file modules of its own, so each file's modules make
 * storages of their own (jest-circus's test context, the Pulumi SDK's stack, the shop's read
 * consistency), and a worker's later files paid for all the earlier ones': the infra suites in one
 * process spent a tenth of their CPU so. Here the storages a file used are disabled as its runtime
 * is torn down, when nothing of that file runs any more; one used again is enabled again by its use.
 */
const { AsyncLocalStorage } = require("node:async_hooks");

/** From now on, each runtime of `Runtime` (Jest's) disables at its teardown the storages used since the last one. */
function disableStoragesAtTeardown(Runtime) {
    const used = new Set();
    for (const name of ["run", "enterWith"]) {
        const original = AsyncLocalStorage.prototype[name];
        AsyncLocalStorage.prototype[name] = function (...args) {
            used.add(this);
            return original.apply(this, args);
        };
    }
    const teardown = Runtime.prototype.teardown;
    Runtime.prototype.teardown = function (...args) {
        for (const storage of used) storage.disable();
        used.clear();
        return teardown.apply(this, args);
    };
}

module.exports = { disableStoragesAtTeardown };
