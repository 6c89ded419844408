/**
 * `npm run lab -- --stage 7` serves the shop to a customer in real Chromium: through Nginx, two
 * shop processes, the three domain databases with their replicas and the comment shards. And
 * stage 10's lab searches on its OpenSearch.
 */
import * as fs from "node:fs";
import { Browser, chromium } from "playwright-core";
import { untilEngine } from "./support/search";
import { LabProcess, startLab, stopLeftLabs } from "./support/lab-process";

const chromiumPath = "/usr/bin/chromium";

async function stopCleanly(lab: LabProcess | undefined): Promise<void> {
    if (!lab) return;
    expect(await lab.stop()).toEqual({ code: 0, alive: [], listening: [] });
}

// A lab whose test timed out is stopped all the same.
afterAll(stopLeftLabs, 300_000);

describe("the lab's stage 7 in Chromium", () => {
    let lab: LabProcess | undefined;
    let browser: Browser;

    beforeAll(async () => {
        if (!fs.existsSync(chromiumPath))
            throw new Error("Chromium is not installed: run `bash tools/ensure-system-packages.sh` as root, or apt-get install chromium");
        lab = await startLab(["--stage", "table-sharding"], 540_000);
        browser = await chromium.launch({
            executablePath: chromiumPath,
            args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        });
    }, 600_000);
    afterAll(async () => {
        await browser?.close();
        await stopCleanly(lab);
    }, 120_000);

    it("starts the stage's topology: domain databases with replicas, two comment shards, Redis, two shop processes, Nginx", () => {
        expect(lab!.parts.map((p) => p.name).sort()).toEqual(
            [
                "nginx 1",
                "postgres catalog",
                "postgres catalog replica 1",
                "postgres comments-0",
                "postgres comments-1",
                "postgres orders",
                "postgres orders replica 1",
                "postgres users",
                "postgres users replica 1",
                "redis",
                "shop app 1",
                "shop app 2",
            ].sort(),
        );
    });

    it("lets a customer browse, review, buy and find the order", async () => {
        const page = await (await browser.newContext()).newPage();
        const failures: string[] = [];
        page.on("pageerror", (err) => failures.push(err.message));
        page.on("response", (response) => response.status() >= 500 && failures.push(`${response.status()} ${response.url()}`));

        await page.goto(lab!.entry);
        await page.getByRole("link", { name: "Kitchen" }).first().click();
        await page.locator("a[href^='/products/']").first().click();
        await page.waitForURL(/\/products\/\d+$/);
        const productName = (await page.locator("h1").textContent())!.trim();
        await page.getByRole("button", { name: "Add to cart" }).click();
        await page.waitForURL(/\/cart$/);
        await page.getByRole("link", { name: "Check out" }).click();
        await page.getByRole("link", { name: "Create an account" }).click();
        await page.getByLabel("Name").fill("Lab Visitor");
        await page.getByLabel("Email").fill("lab-visitor@example.com");
        await page.getByLabel(/Password/).fill("a long enough password");
        await page.getByRole("button", { name: "Create account" }).click();
        await page.waitForURL(/\/checkout$/);
        await page.getByLabel("Street").fill("1 Shard Lane");
        await page.getByLabel("City").fill("Cork");
        await page.getByLabel("Postal code").fill("T12 X2Y");
        await page.getByLabel(/Country/).fill("IE");
        await page.getByRole("button", { name: "Place order" }).click();
        await page.waitForURL(/\/orders\/\d+\?placed=1$/);
        await expect(page.getByText("your order is placed and paid").count()).resolves.toBe(1);

        // A review goes to its product's shard and is read back through the entry.
        await page.goto(`${lab!.entry}/products/3`);
        await page.getByLabel("Review").fill("Reviewed in the lab, on a shard.");
        await page.getByRole("button", { name: "Post review" }).click();
        await page.waitForURL(/\/products\/3\?reviewed=1/);
        await expect(page.getByText("Reviewed in the lab, on a shard.").count()).resolves.toBeGreaterThan(0);

        await page.getByRole("link", { name: "Orders", exact: true }).click();
        await expect(page.locator("[data-test=order-row]").first().textContent()).resolves.toMatch(/Paid/);
        expect(productName).toBeTruthy();
        expect(failures).toEqual([]);
    }, 120_000);
});

describe("the lab's stage 10", () => {
    it("searches on its OpenSearch through the entry", async () => {
        const lab = await startLab(["--stage", "10"], 420_000);
        try {
            expect(lab.parts.map((p) => p.name)).toContain("opensearch");
            await untilEngine(lab.entry, "opensearch", 240_000);
        } finally {
            await stopCleanly(lab);
        }
    }, 720_000);
});
