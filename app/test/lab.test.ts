/**
 * `npm run lab -- --stage N` for real, as a person runs it: each stage's topology starts on
 * free loopback ports, its entry serves the shop the way the stage should, and SIGTERM stops
 * every process it started. Stages 7 (in Chromium) and 10 are in lab-browser.test.ts.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { ShopClient } from "./support/shop";
import { labLayout } from "../../tools/lab/layout";
import { BenchRow } from "../../tools/lab/bench";
import { benchReport } from "../../tools/lab/bench-report";
import { serviceUrlsByApp, startShopWithRetries } from "../../tools/lab/start-stage";
import { LabProcess, runLab, startLab, stopLeftLabs } from "./support/lab-process";

/** Starts the stage, runs `check` on it, and stops it: nothing it started may be left running or listening. */
async function withStage(stage: string, check: (lab: LabProcess) => Promise<void>, extra: string[] = []): Promise<string> {
    const lab = await startLab(["--stage", stage, ...extra]);
    try {
        await check(lab);
    } finally {
        const stopped = await lab.stop();
        expect(lab.descendants().length).toBeGreaterThan(0);
        expect(stopped).toEqual({ code: 0, alive: [], listening: [] });
    }
    return lab.output();
}

/** A buyer who signs up, fills a cart and checks out through `url`; returns the order. */
async function buyThrough(url: string, name: string): Promise<{ id: number; status: string }> {
    const buyer = await new ShopClient(url).open();
    await buyer.register(`${name}@example.com`);
    expect((await buyer.request("POST", "/api/cart/items", { json: { productId: 12, quantity: 1 } })).status).toBe(200);
    const order = await buyer.request("POST", "/api/checkout", { headers: { "idempotency-key": `lab-${name}` } });
    expect(order.status).toBe(200);
    expect((await buyer.request("GET", "/api/orders")).data.map((o: { id: number }) => o.id)).toEqual([order.data.id]);
    return order.data;
}

// A lab whose test timed out is stopped all the same.
afterAll(stopLeftLabs, 300_000);

describe("npm run lab -- --stage N", () => {
    it("starts stage 1: one PostgreSQL and the shop, which is the entry", async () => {
        await withStage("1", async (lab) => {
            expect(lab.parts.map((p) => p.name)).toEqual(["postgres orders", "shop app"]);
            expect(lab.entry).toBe(`http://127.0.0.1:${lab.parts[1].port}`);
            expect((await fetch(`${lab.entry}/`)).status).toBe(200);
            expect((await buyThrough(lab.entry, "stage1")).status).toBe("paid");
        });
    }, 600_000);

    it("starts stage 4 by its slug: Redis, two shop processes behind the project's nginx; one process killed, the entry keeps serving", async () => {
        const output = await withStage(
            "reverse-proxy",
            async (lab) => {
                expect(lab.parts.map((p) => p.name).sort()).toEqual(["nginx 1", "postgres orders", "redis", "shop app 1", "shop app 2"]);
                const front = await fetch(`${lab.entry}/healthz`);
                expect(front.headers.get("server")).toBe("nginx");
                expect((await buyThrough(lab.entry, "stage4")).status).toBe("paid");
            },
            ["--kill", "app"],
        );
        // The fault menu: a shop process SIGKILLed after the start; Nginx sends every read to the other one.
        expect(output).toMatch(/^kill app: stopped shop app [12] \(SIGKILL\); GET \/api\/products\/5 before: \{"200":20\}, after: \{"200":50\}$/m);
    }, 600_000);

    it("starts stage 9: two region cells, each behind its layer-4 balancer, and an entry that answers from both", async () => {
        await withStage("9", async (lab) => {
            const names = lab.parts.map((p) => p.name);
            expect(names).toEqual(expect.arrayContaining(["postgres orders copy in eu-west-1", "l4 (us-east-1)", "l4 (eu-west-1)", "entry"]));
            expect(names.filter((n) => n.startsWith("shop app"))).toHaveLength(4);
            const regions = new Set<string>();
            for (let i = 0; i < 40 && regions.size < 2; i++) regions.add((await fetch(`${lab.entry}/api/products/${i + 1}`)).headers.get("x-shop-region")!);
            expect([...regions].sort()).toEqual(["eu-west-1", "us-east-1"]);
            // Writes from either region land on the home writers.
            expect((await buyThrough(lab.entry, "stage9")).status).toBe("paid");
        });
    }, 600_000);

    it("starts stage 13: the gateway is the only entry and the services answer through it", async () => {
        await withStage("13", async (lab) => {
            const names = lab.parts.map((p) => p.name);
            // Two regions from stage 9: each process's name ends with its region.
            for (const part of ["shop users", "shop orders", "shop cart", "shop catalog", "shop app 1", "shop app 2"])
                expect([part, names.some((name) => name === part || name.startsWith(`${part} (`))]).toEqual([part, true]);
            expect((await fetch(`${lab.entry}/api/products/7`)).status).toBe(200);
            // The storefront's pages, from the catalog service (its app owns no database).
            for (const page of ["/", "/products/7", "/search?q=kettle"]) expect([page, (await fetch(`${lab.entry}${page}`)).status]).toEqual([page, 200]);
            expect((await buyThrough(lab.entry, "stage13")).status).toBe("paid");
        });
    }, 600_000);

    it("tells each app of stage 12 where the others are, both ways round: the gateway's app the services', the services the catalog's", () => {
        const urls = serviceUrlsByApp(
            labLayout(12).apps.map(({ key, app }) => [key, app]),
            (key) => `http://${key}`,
        );
        // A cycle (app -> orders -> app) that only addresses chosen before any process starts can resolve.
        expect(urls).toEqual({
            app: { SHOP_SERVICE_URL_USERS: "http://users", SHOP_SERVICE_URL_ORDERS: "http://orders", SHOP_SERVICE_URL_CART: "http://cart" },
            users: {},
            orders: { SHOP_SERVICE_URL_CATALOG: "http://app" },
            cart: { SHOP_SERVICE_URL_CATALOG: "http://app" },
        });
    });

    it("gives up on a shop's port that another program took after the lab chose it, with a clear error, without taking it for the shop", async () => {
        // Something that answers every request, /readyz too: it must not pass for the shop being ready.
        const other = http.createServer((_request, response) => response.end("ok"));
        await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
        const { port } = other.address() as AddressInfo;
        try {
            await expect(startShopWithRetries("shop app", {}, port)).rejects.toThrow(
                `shop app: port ${port} was taken by another program after the lab chose it (3 tries); start the lab again`,
            );
        } finally {
            other.close();
        }
    });

    it("names in the bench report what failed at a stage, and how often", () => {
        const row: BenchRow = {
            ...{ stage: 7, slug: "table-sharding", readsPerSecond: 1, readP50Ms: 1, readP99Ms: 1, journeysPerSecond: 1, journeyP50Ms: 1, journeyP99Ms: 1 },
            ...{ errors: 3, failures: { "journey: POST /api/checkout: 409": 2, "read: 503": 1 }, processes: 1, memoryMiB: 1 },
        };
        const report = benchReport([{ ...row, stage: 6, errors: 0, failures: {} }, row], { duration: 1, connections: 1, shoppers: 1, load: 0 });
        expect(report.split("\n").at(-1)).toBe("Errors at stage 7: journey: POST /api/checkout: 409 (2), read: 503 (1).");
        expect(report).not.toMatch(/Errors at stage 6/);
    });

    it("runs stages 14 and 15 as 13 and says why", () => {
        for (const stage of [14, 15]) {
            const layout = labLayout(stage);
            expect(layout.runsAs).toBe(13);
            expect(layout.apps).toEqual(labLayout(13).apps);
            expect(layout.note).toMatch(new RegExp(`^stage ${stage} runs as stage 13: its step is Kubernetes`));
        }
        expect(labLayout(13).note).toBeUndefined();
    });

    it("refuses a stage that is not one, naming what it may be, without starting anything", async () => {
        const lab = runLab(["--stage", "16"]);
        expect(await lab.exited).toBe(2);
        expect(lab.output()).toMatch(/^lab: --stage must be a number 1-15 or one of single-server, .*\(got "16"\)$/m);
        expect(lab.output()).not.toMatch(/up: /);
    });
});
