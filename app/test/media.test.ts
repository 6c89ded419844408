/**
 * Product pictures: drawn by the shop at seed time, one drawing per category in the product's
 * colour, stored in S3 when SHOP_MEDIA_BUCKET is set (here moto's S3 server, through the AWS
 * SDK) and shown through presigned URLs; in a local directory otherwise, served by the shop.
 */
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { drawingsVersion, drawnCategories, drawProduct } from "../src/modules/catalog/product-drawings";
import { localMediaStore } from "../src/modules/catalog/media-store";
import { startS3, S3Server } from "./support/s3";
import { PostgresServer, startPostgres } from "../../tools/servers/postgres";
import { RunningShop, ShopClient, startShop } from "./support/shop";

/** Polls `read` until it returns `expected` (the pictures are stored in the background at start). */
async function eventually<T>(read: () => Promise<T> | T, expected: T, timeoutMs = 60_000): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; ;) {
        const value = await read();
        if (value === expected) return;
        if (Date.now() > deadline) expect(value).toBe(expected);
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
}

/** The picture of product 1 (KIT-0001) as its page shows it, once stored. */
async function pictureOfFirstProduct(shop: RunningShop): Promise<{ src: string; svg: string; headers: Headers }> {
    const client = new ShopClient(shop.url);
    const page = await client.request("GET", "/products/1");
    expect(page.status).toBe(200);
    const src = (page.data as string).match(/<img class="picture" src="([^"]+)"/)![1].replaceAll("&amp;", "&");
    const url = new URL(src, shop.url).href;
    for (const deadline = Date.now() + 60_000; ;) {
        const response = await fetch(url);
        if (response.status === 200) return { src, svg: await response.text(), headers: response.headers };
        if (Date.now() > deadline) throw new Error(`${url} answered ${response.status}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
}

it("draws a different picture for each category, in the product's colour", () => {
    const pictures = drawnCategories.map((slug) => drawProduct(slug, 200));
    expect(new Set(pictures).size).toBe(12);
    expect(drawProduct("kitchen", 17)).toContain("hsl(17 45% 45%)");
    expect(drawProduct("kitchen", 17)).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
});

it("stores a picture in a local folder that was removed since the last one, whole, with nothing else left there", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-media-store-"));
    try {
        const store = localMediaStore(dir);
        await store.put("products/A-0001-v1.svg", "<svg>a</svg>", "image/svg+xml");
        fs.rmSync(path.join(dir, "products"), { recursive: true });
        await store.put("products/A-0002-v1.svg", "<svg>b</svg>", "image/svg+xml");
        expect(fs.readdirSync(path.join(dir, "products"))).toEqual(["A-0002-v1.svg"]);
        expect(fs.readFileSync(path.join(dir, "products", "A-0002-v1.svg"), "utf8")).toBe("<svg>b</svg>");
        expect(await store.exists("products/A-0002-v1.svg")).toBe(true);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

describe("pictures on the embedded default, in a local directory", () => {
    let shop: RunningShop;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-media-test-"));
    beforeAll(async () => {
        shop = await startShop({ SHOP_MEDIA_DIR: dir });
    });
    afterAll(async () => {
        await shop?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("shows every product's picture from the shop itself, as a picture that cannot run script", async () => {
        const { src, svg, headers } = await pictureOfFirstProduct(shop);
        expect(src).toBe("/media/products/KIT-0001-v1.svg");
        const product = (await new ShopClient(shop.url).request("GET", "/api/products/1")).data;
        expect(svg).toBe(drawProduct("kitchen", product.hue));
        expect(headers.get("content-type")).toBe("image/svg+xml");
        expect(headers.get("content-security-policy")).toContain("sandbox");
        await eventually(() => fs.readdirSync(path.join(dir, "products")).filter((f) => f.endsWith(".svg")).length, 1008);
        expect((await fetch(`${shop.url}/media/products/..%2F..%2Fetc%2Fpasswd`)).status).toBe(400);
    });
});

describe("pictures in S3 (moto's server), through presigned URLs", () => {
    let s3: S3Server;
    let postgres: PostgresServer;
    let shop: RunningShop;
    const saved = { ...process.env };
    beforeAll(async () => {
        // On PostgreSQL, as stage 10 runs it.
        [s3, postgres] = await Promise.all([startS3(), startPostgres()]);
        // The AWS SDK reads its endpoint and credentials from the environment, in process here.
        Object.assign(process.env, s3.env);
        const client = new S3Client({ region: s3.env.AWS_REGION, forcePathStyle: true });
        await client.send(new CreateBucketCommand({ Bucket: "shop-media-eu-west-1", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
        client.destroy();
        shop = await startShop({
            SHOP_DATABASE_URL: await postgres.createDatabase("shop"),
            SHOP_MEDIA_BUCKET: "shop-media-eu-west-1",
            SHOP_MEDIA_REGION: "eu-west-1",
        });
    }, 120_000);
    afterAll(async () => {
        await shop?.close();
        await postgres?.stop();
        await s3?.stop();
        process.env = saved;
    });

    it("stores every picture in the bucket and shows it by a presigned URL the page's policy admits", async () => {
        const { src, svg } = await pictureOfFirstProduct(shop);
        expect(src.startsWith(`${s3.endpoint}/shop-media-eu-west-1/products/KIT-0001-v1.svg?`)).toBe(true);
        expect(new URL(src).searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
        expect(new URL(src).searchParams.get("X-Amz-Expires")).toBe("7200");
        expect(svg).toContain("<svg");
        const page = await new ShopClient(shop.url).request("GET", "/");
        expect(page.headers.get("content-security-policy")).toMatch(new RegExp(`img-src 'self' data: ${s3.endpoint.replace(/[.]/g, "\\.")}`));
        // The same URL for an hour: browsers cache it.
        expect((await pictureOfFirstProduct(shop)).src).toBe(src);

        const client = new S3Client({ region: "eu-west-1", forcePathStyle: true });
        // The marker of a complete set is written after every picture: the bucket is listed once it is there, not while it fills.
        const complete = () =>
            client.send(new HeadObjectCommand({ Bucket: "shop-media-eu-west-1", Key: `products/complete-v${drawingsVersion}` })).then(
                () => true,
                () => false,
            );
        await eventually(complete, true);
        const countKeys = async () => {
            let keys = 0;
            for (let token: string | undefined; ;) {
                const listed = await client.send(new ListObjectsV2Command({ Bucket: "shop-media-eu-west-1", ContinuationToken: token }));
                keys += listed.KeyCount ?? 0;
                token = listed.NextContinuationToken;
                if (!token) return keys;
            }
        };
        // 1,008 pictures and the marker of a complete set.
        expect(await countKeys()).toBe(1008 + 1);
        client.destroy();
    });
});
