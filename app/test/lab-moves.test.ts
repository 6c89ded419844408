/**
 * The transitions that move data, run by the lab as a platform team would run them on AWS:
 * stage N takes orders, accounts and reviews; `npm run move-data` carries them to stage M's
 * databases; the lab compares every order, account, review and stock level, and stage M's
 * shop serves them: a buyer of stage N signs in on stage M and finds the order.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { moveProblems, tablesOf } from "../../tools/move-data";
import { ShopClient } from "./support/shop";
import { runLab, startLab, stopLeftLabs } from "./support/lab-process";

// A lab whose test timed out is stopped all the same.
afterAll(stopLeftLabs, 300_000);

describe("npm run lab -- --from N --to M", () => {
    it.each([
        ["1", "2"],
        ["5", "6"],
        ["6", "7"],
    ])(
        "carries stage %s's data into stage %s, every order, account, review and stock level",
        async (from, to) => {
            const lab = await startLab(["--from", from, "--to", to], 420_000);
            try {
                expect(lab.output()).toMatch(new RegExp(`^stage ${from} held (\\d+) orders, (\\d+) accounts, (\\d+) reviews, 1008 stock$`, "m"));
                const [orders, accounts, reviews] = lab
                    .output()
                    .match(/held (\d+) orders, (\d+) accounts, (\d+) reviews/)!
                    .slice(1)
                    .map(Number);
                expect(orders).toBeGreaterThanOrEqual(8);
                expect(accounts).toBeGreaterThanOrEqual(8);
                expect(reviews).toBeGreaterThanOrEqual(408);
                expect(lab.output()).toMatch(new RegExp(`^every order, account, review and stock level is in stage ${to}, as it was$`, "m"));
                expect(lab.output()).toMatch(/^moved: /m);

                // Stage M's shop serves what stage N took: the buyer signs in and finds the order; the reviews are there.
                const buyer = await new ShopClient(lab.entry).open();
                const signIn = await buyer.request("POST", "/api/session", { json: { email: "lab-move-3@example.com", password: "correct horse battery" } });
                expect(signIn.status).toBe(200);
                buyer.csrfToken = signIn.data.csrfToken;
                const history = await buyer.request("GET", "/api/orders");
                expect(history.data.map((o: { status: string }) => o.status)).toEqual(["paid"]);
                const latest = await buyer.request("GET", "/api/comments/latest");
                expect(latest.data.filter((c: { body: string }) => /^Carried across the move, review \d\.$/.test(c.body))).toHaveLength(8);
            } finally {
                expect(await lab.stop()).toEqual({ code: 0, alive: [], listening: [] });
            }
        },
        600_000,
    );

    it("refuses a transition that moves no data, naming the ones that do", async () => {
        const lab = runLab(["--from", "2", "--to", "3"]);
        expect(await lab.exited).toBe(2);
        expect(lab.output()).toMatch(/^lab: --from 2 --to 3 is not a transition that moves data: give one of 1 -> 2, 5 -> 6, 6 -> 7$/m);
        expect(lab.output()).not.toMatch(/up: /);
    });
});

describe("npm run move-data", () => {
    it("knows each domain's tables from the shop's migrations", () => {
        expect(tablesOf("catalog")).toEqual(expect.arrayContaining(["categories", "products", "stock_reservations"]));
        expect(tablesOf("users")).toEqual(expect.arrayContaining(["users", "sessions"]));
        expect(tablesOf("comments")).toEqual(["comments"]);
        expect(tablesOf("orders")).not.toContain("payments_default");
    });

    it("refuses bad arguments with every problem named, exit status 2, before touching a database", () => {
        expect(moveProblems({ step: "5-6", source: "postgres://a@h/db", catalog: "mysql://x" })).toEqual([
            "--users is required for step 5-6",
            '"mysql://x" is not a postgres:// URL',
        ]);
        const result = spawnSync(process.execPath, ["tools/compiled.js", "tools/move-data.ts", "--step", "4-5", "--shards", "postgres://a@h/db"], {
            cwd: path.resolve(__dirname, "..", ".."),
            encoding: "utf8",
        });
        expect(result.status).toBe(2);
        expect(result.stderr.trim().split("\n")).toEqual([
            'move-data: --step must be one of 1-2, 5-6, 6-7 (got "4-5")',
            "move-data: --source is required: the database the data is in",
            "move-data: --shards must list every shard, at least two, in shard order",
        ]);
    });
});
