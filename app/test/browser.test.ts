/**
 * A customer's visit in real Chromium (Debian's package, driven by playwright-core) on a
 * phone-sized screen: browse, search, open a product, add it to the cart, register at
 * checkout, place the order, and find it in the order history. Screenshots of the way are
 * saved under test-artifacts/ for a person to look at.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Browser, chromium, Page } from "playwright-core";
import { startPostgres, PostgresServer } from "../../tools/servers/postgres";
import { RunningShop, startShop } from "./support/shop";

const chromiumPath = "/usr/bin/chromium";
const artifacts = path.resolve(__dirname, "..", "..", "test-artifacts");

describe("a customer in Chromium", () => {
    let server: PostgresServer;
    let shop: RunningShop;
    let browser: Browser;

    beforeAll(async () => {
        if (!fs.existsSync(chromiumPath))
            throw new Error("Chromium is not installed: run `bash tools/ensure-system-packages.sh` as root, or apt-get install chromium");
        fs.mkdirSync(artifacts, { recursive: true });
        server = await startPostgres();
        shop = await startShop({ SHOP_DATABASE_URL: await server.createDatabase("shop") });
        browser = await chromium.launch({
            executablePath: chromiumPath,
            // No sandbox: CI runs as root, where Chromium's sandbox cannot start. Nothing here reaches the network.
            args: [
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        });
    });
    afterAll(async () => {
        await browser?.close();
        await shop?.close();
        await server?.stop();
    });

    const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `shop-${name}.png`), fullPage: true });

    it("browses, searches, buys a product and finds the order in the history", async () => {
        const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
        const page = await context.newPage();
        const failures: string[] = [];
        page.on("pageerror", (err) => failures.push(err.message));
        page.on("response", (response) => response.status() >= 500 && failures.push(`${response.status()} ${response.url()}`));

        await page.goto(shop.url);
        await expect(page.locator("h1").first().textContent()).resolves.toBeTruthy();
        await shot(page, "home");
        // Nothing overflows sideways on a phone.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

        // Browse a category and its second page.
        await page.getByRole("link", { name: "Kitchen" }).first().click();
        await page.getByRole("link", { name: /Next/ }).click();
        await expect(page.getByText("Page 2 of 4").count()).resolves.toBeGreaterThan(0);

        // Search and open the best match.
        await page.getByRole("searchbox", { name: "Search products" }).fill("kettle");
        await page.keyboard.press("Enter");
        await page.waitForURL(/\/search\?q=kettle/);
        await page.locator("a[href^='/products/']").first().click();
        await page.waitForURL(/\/products\/\d+$/);
        const productName = (await page.locator("h1").textContent())!.trim();
        expect(productName).toMatch(/Kettle/);
        await shot(page, "product");

        // Two into the cart.
        await page.getByLabel("Quantity").fill("2");
        await page.getByRole("button", { name: "Add to cart" }).click();
        await page.waitForURL(/\/cart$/);
        await expect(page.locator("table").textContent()).resolves.toContain(productName);

        // Checkout asks a guest to sign in; the customer registers instead and comes back.
        await page.getByRole("link", { name: "Check out" }).click();
        await page.waitForURL(/\/login\?next=/);
        await page.getByRole("link", { name: "Create an account" }).click();
        await page.getByLabel("Name").fill("Mei Lin");
        await page.getByLabel("Email").fill("mei@example.com");
        await page.getByLabel(/Password/).fill("a long enough password");
        await page.getByRole("button", { name: "Create account" }).click();
        await page.waitForURL(/\/checkout$/);
        await expect(page.locator("main").textContent()).resolves.toContain(`2 × ${productName}`);
        // The shipping address: a country that is not one is refused, and what was typed stays.
        await page.getByLabel("Street").fill("12 Harbour Road");
        await page.getByLabel("City").fill("Cork");
        await page.getByLabel("Postal code").fill("T12 X2Y");
        await page.getByLabel(/Country/).fill("XX");
        await page.getByRole("button", { name: "Place order" }).click();
        await expect(page.getByText("country must be a two-letter ISO 3166 country code").count()).resolves.toBe(1);
        await expect(page.getByLabel("Street").inputValue()).resolves.toBe("12 Harbour Road");
        await page.getByLabel(/Country/).fill("IE");
        await page.getByRole("button", { name: "Place order" }).click();

        await page.waitForURL(/\/orders\/\d+\?placed=1$/);
        const orderId = page.url().match(/\/orders\/(\d+)/)![1];
        await expect(page.getByText("your order is placed and paid").count()).resolves.toBe(1);
        await expect(page.locator("[data-test=shipping-address]").textContent()).resolves.toMatch(/Mei Lin\s*12 Harbour Road\s*T12 X2Y\s*Cork\s*IE/);
        await shot(page, "order-placed");

        // The history lists it, paid; the cart is empty again.
        await page.getByRole("link", { name: "Orders", exact: true }).click();
        await page.waitForURL(/\/orders$/);
        const rows = page.locator("[data-test=order-row]");
        await expect(rows.count()).resolves.toBe(1);
        await expect(rows.first().textContent()).resolves.toMatch(new RegExp(`#${orderId}.*Paid`, "s"));
        await shot(page, "order-history");
        await page.goto(`${shop.url}/cart`);
        await expect(page.getByText("Your cart is empty").count()).resolves.toBe(1);

        expect(failures).toEqual([]);
        await context.close();
    });

    it("keeps every page within a phone's width with a long review and a long name", async () => {
        const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
        const page = await context.newPage();
        const longName = "Maximiliana-Konstantina-Wilhelmina-Alexandrovna-Featherstonehaugh";
        await page.goto(`${shop.url}/register`);
        await page.getByLabel("Name").fill(longName);
        await page.getByLabel("Email").fill("long@example.com");
        await page.getByLabel(/Password/).fill("a long enough password");
        await page.getByRole("button", { name: "Create account" }).click();
        await page.waitForURL(`${shop.url}/`);
        await page.goto(`${shop.url}/products/3`);
        await page.getByLabel("Review").fill("Wonderful".repeat(222));
        await page.getByRole("button", { name: "Post review" }).click();
        await page.waitForURL(/\/products\/3\?reviewed=1/);
        await expect(page.getByText("your review is posted").count()).resolves.toBe(1);
        await page.getByRole("button", { name: "Add to cart" }).click();
        await page.waitForURL(/\/cart$/);

        const widths: Record<string, number> = {};
        for (const path of ["/", "/products/3", "/categories/kitchen", "/search?q=kettle", "/cart", "/checkout", "/orders", "/login", "/no/such/page"]) {
            await page.goto(`${shop.url}${path}`);
            widths[path] = await page.evaluate(() => document.documentElement.scrollWidth);
        }
        await shot(page, "long-words");
        expect(widths).toEqual(Object.fromEntries(Object.keys(widths).map((path) => [path, 390])));
        // "Sign out" stays on the screen beside the long name.
        const signOut = await page.getByRole("button", { name: /Sign out/ }).boundingBox();
        expect(signOut!.x + signOut!.width).toBeLessThanOrEqual(390);
        await context.close();
    });
});
