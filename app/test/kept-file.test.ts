/**
 * Files kept between starts (src/kept-file.ts): read only when this user's own, in a directory of its
 * own, with nobody else able to write either; written whole, for this user alone.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readKeptFile, writeKeptFile } from "../src/kept-file";

describe("a kept file", () => {
    let dir: string;
    let file: string;
    beforeEach(() => {
        dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "shop-kept-file-")), "kept");
        file = path.join(dir, "cluster.tar");
        expect(writeKeptFile(file, "kept")).toBe(true);
    });
    afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

    it("is written for this user alone, whole, and read back", () => {
        expect([fs.statSync(dir).mode & 0o777, fs.statSync(file).mode & 0o777]).toEqual([0o700, 0o600]);
        expect(fs.readdirSync(dir)).toEqual(["cluster.tar"]);
        expect(readKeptFile(file)?.toString()).toBe("kept");
    });

    it("is not read when anyone else could have written it or its directory, or when it is a link", () => {
        const refused: [string, () => void][] = [
            ["file writable by its group", () => fs.chmodSync(file, 0o620)],
            ["file writable by anyone", () => fs.chmodSync(file, 0o606)],
            ["directory writable by anyone", () => fs.chmodSync(dir, 0o777)],
            ["directory writable by its group", () => fs.chmodSync(dir, 0o770)],
            [
                "link to this user's own file",
                () => {
                    fs.renameSync(file, `${file}.real`);
                    fs.symlinkSync(`${file}.real`, file);
                },
            ],
        ];
        // Only root may give a file away: as another user, the owner's check is left to the mode's.
        if (process.getuid?.() === 0) {
            refused.push(["file owned by nobody", () => fs.chownSync(file, 65534, 65534)]);
            refused.push(["directory owned by nobody", () => fs.chownSync(dir, 65534, 65534)]);
        }
        for (const [whose, make] of refused) {
            fs.rmSync(dir, { recursive: true, force: true });
            expect(writeKeptFile(file, "kept")).toBe(true);
            make();
            expect([whose, readKeptFile(file)]).toEqual([whose, undefined]);
        }
    });

    it("is not kept where it cannot be, leaving nothing half written", () => {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.writeFileSync(dir, "a file where the directory would be");
        expect(writeKeptFile(file, "kept")).toBe(false);
        expect(fs.readdirSync(path.dirname(dir))).toEqual(["kept"]);
    });
});
