/**
 * Where each `require` of a process led, kept in a file for the next process that runs the same
 * code: node finds a module by trying paths one after another (a stat each, the package.json files
 * on the way, a realpath), about a sixth of the CPU time a shop process takes to start, and a
 * twentieth of a plan's. A later process takes the kept answer for the same request from the same
 * folder while the file it names is still there.
 *
 * The answers hold only while the installed packages and the build are the ones they were found in:
 * the file records the size and modification time of `stampFiles` (npm's record of the installed
 * tree, the build's list of its sources) and node's version, and any difference starts afresh. What
 * a process found anew is merged into the file as it exits, written whole (a temporary name, then a
 * rename), as several processes exit at once.
 */
"use strict";
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

function stampOf(stampFiles) {
    const stats = stampFiles.map((file) => {
        const stat = fs.statSync(file, { throwIfNoEntry: false });
        return stat ? `${file}:${stat.size}:${stat.mtimeMs}` : `${file}:missing`;
    });
    return [process.version, process.env.NODE_PATH ?? "", ...stats].join("\n");
}

/** The answers kept in `file` for `stamp`, or none. */
function readKept(file, stamp) {
    try {
        const kept = JSON.parse(fs.readFileSync(file, "utf8"));
        return kept.stamp === stamp && kept.resolutions && typeof kept.resolutions === "object" ? kept.resolutions : {};
    } catch {
        return {};
    }
}

/** From now on, this process resolves from the answers kept in `file`, and keeps what it finds anew there. */
function keepResolutions(file, stampFiles) {
    const stamp = stampOf(stampFiles);
    const kept = readKept(file, stamp);
    const found = {};
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, parent, isMain, options) {
        // Resolutions with options (other search paths) and those of the main module or a built-in are node's alone.
        if (options !== undefined || !parent?.filename || Module.isBuiltin(request)) return resolve.call(this, request, parent, isMain, options);
        const key = `${path.dirname(parent.filename)}\0${request}`;
        const answer = kept[key];
        if (typeof answer === "string" && fs.statSync(answer, { throwIfNoEntry: false })?.isFile()) return answer;
        const filename = resolve.call(this, request, parent, isMain, options);
        if (path.isAbsolute(filename)) found[key] = filename;
        return filename;
    };
    process.on("exit", () => {
        if (Object.keys(found).length === 0) return;
        try {
            const resolutions = { ...readKept(file, stamp), ...found };
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(`${file}.${process.pid}`, JSON.stringify({ stamp, resolutions }));
            fs.renameSync(`${file}.${process.pid}`, file);
        } catch {
            // Not kept: the next process resolves as node does.
        }
    });
}

module.exports = { keepResolutions };
