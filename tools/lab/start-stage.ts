/**
 * Starts a stage's topology on this machine, in dependency order, each part waited for until
 * it answers: the data tier, then per region cell the shop's fleets (services before the
 * gateway that calls them), the internal path router, the Nginx instances (the project's
 * renderer), the layer-4 balancer, and from stage 9 the weighted entry over the cells.
 * Whatever fails half-way, what was started is stopped again.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { serviceUrlsFor, ShopApp } from "../../stacks/service-layout";
import { startNginx, startNginxConf } from "../servers/nginx";
import { acceptsConnections, freePort, freePorts } from "../servers/ports";
import { ShopProcess, startShopProcess } from "../servers/shop-process";
import { pathRouterConf, streamConf } from "./balancers";
import { DataTier, dataEnvironment, startDataTier } from "./data-tier";
import { LabLayout, labLayout } from "./layout";
import { allStarted, Started } from "./started";

export interface Lab {
    layout: LabLayout;
    started: Started;
    data: DataTier;
    /** Where a visitor enters: the shop, Nginx, the layer-4 balancer or the weighted entry. */
    entryUrl: string;
    /** Stops the shop's processes and balancers, keeping the data tier (for a transition). */
    stopApps(): Promise<void>;
    stop(): Promise<void>;
}

export interface StartOptions {
    /** Where data lives: the media directory; the servers keep theirs under the system's temporary directory. @default a new temporary directory */
    dataDir?: string;
    /** Servers of the data tier to keep instead of starting them (a transition keeps what the next stage keeps). */
    keep?: Partial<DataTier>;
    /** Runs once the data tier is up, before any shop process starts on it (a transition moves the data here). */
    beforeApps?: (data: DataTier, layout: LabLayout) => Promise<void>;
    /** Parts already started (a transition's), that stop with this lab. */
    started?: Started;
}

const dataParts = /^(postgres|redis|opensearch)/;
/** A shop process compiles its TypeScript as it starts: minutes, not seconds, on a machine busy with other work. */
const shopReadyWithinMs = 300_000;

export async function startStage(ref: number | string, options: StartOptions = {}): Promise<Lab> {
    const layout = labLayout(ref);
    const started = options.started ?? new Started();
    const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "shop-lab-"));
    // Removed when the lab stops, by `stop` or by a signal to the lab's command, which stops everything started.
    if (!options.dataDir) started.afterStopping(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const stop = () => started.stopAll();
    try {
        const data = await startDataTier(layout, started, dataDir, options.keep);
        await options.beforeApps?.(data, layout);
        const cells = await startCells(layout, data, started);
        const entryUrl = cells.length > 1 ? await weightedEntry(cells, started) : cells[0];
        return { layout, started, data, entryUrl, stop, stopApps: () => started.stopWhere((part) => !dataParts.test(part.name)) };
    } catch (err) {
        await stop().catch(() => undefined);
        throw err;
    }
}

/** Starts each region's cell; returns the address of each cell's entry. */
async function startCells(layout: LabLayout, data: DataTier, started: Started): Promise<string[]> {
    // One session key for every process of the stack, as the stacks make one per stack.
    const sessionSecret = randomBytes(24).toString("hex");
    const entries: string[] = [];
    // The first cell starts alone: its first process migrates and seeds the databases.
    for (const region of layout.regions) {
        const env: Record<string, string> = {
            ...dataEnvironment(data, layout, region),
            SHOP_REGION: region,
            SHOP_SESSION_SECRET: sessionSecret,
            SHOP_DATABASE_POOL_MAX: "5",
        };
        if (layout.nginx > 0) env.SHOP_TRUSTED_PROXIES = "127.0.0.1/32";
        entries.push(await startCell(layout, region, env, started));
    }
    return entries;
}

async function startCell(layout: LabLayout, region: string, env: Record<string, string>, started: Started): Promise<string> {
    const split = layout.apps.length > 1;
    const where = layout.regions.length > 1 ? ` (${region})` : "";
    // Every shop process's ports are chosen before any of them starts, as AWS gives each fleet its load balancer's address before
    // an instance runs: every app's URLs follow from them, so no app waits for another's address (the gateway for the services',
    // the services for the catalog's, which at stage 12 the gateway's app serves).
    const free = await freePorts(2 * layout.apps.reduce((n, a) => n + a.processes, 0));
    const ports = Object.fromEntries(layout.apps.map(({ key, processes }) => [key, free.splice(0, processes)]));
    const metricsPorts = Object.fromEntries(layout.apps.map(({ key, processes }) => [key, free.splice(0, processes)]));
    const addresses = Object.fromEntries(layout.apps.map(({ key }) => [key, ports[key].map((port) => `127.0.0.1:${port}`)]));
    const serviceUrls = serviceUrlsByApp(
        layout.apps.map(({ key, app }) => [key, app]),
        (key) => `http://${addresses[key][0]}`,
    );
    const startApp = ({ key, app, processes }: LabLayout["apps"][number]) => {
        const modules: Record<string, string> = split ? { SHOP_MODULES: app.modules.join(",") } : {};
        return allStarted(
            Array.from({ length: processes }, async (_, i) => {
                const name = `shop ${key}${processes > 1 ? ` ${i + 1}` : ""}${where}`;
                const shop = await startShopWithRetries(
                    name,
                    { ...env, ...modules, ...serviceUrls[key], SHOP_METRICS_PORT: String(metricsPorts[key][i]) },
                    ports[key][i],
                );
                started.add({
                    name,
                    role: `${app.reachedBy === "service" ? "service" : "app"}: ${split ? app.modules.join(",") : "every module"}`,
                    killAs: app.reachedBy === "service" ? "service" : "app",
                    region,
                    port: shop.port,
                    url: shop.url,
                    metricsUrl: shop.metricsUrl,
                    stop: async () => void (await shop.stop()),
                    kill: async () => {
                        shop.child.kill("SIGKILL");
                        await shop.exited;
                    },
                });
            }),
        );
    };
    // Services first, each waited for until it answers, then the apps that take visitors and call them.
    await allStarted(layout.apps.filter(({ app }) => app.reachedBy === "service").map(startApp));
    await allStarted(layout.apps.filter(({ app }) => app.reachedBy !== "service").map(startApp));

    if (layout.nginx === 0) return `http://${addresses.app[0]}`;

    let upstream = addresses.app;
    if (layout.pathRouting) {
        const port = await freePort();
        const routed = layout.apps.filter(({ app }) => app.reachedBy !== "service").map(({ key, app }) => ({ key, app, addresses: addresses[key] }));
        const router = await startNginxConf(port, (paths) => pathRouterConf(port, routed, paths));
        started.add({
            name: `path router${where}`,
            role: "internal ALB: API paths to their app",
            region,
            port,
            url: `http://127.0.0.1:${port}`,
            stop: router.stop,
        });
        upstream = [`127.0.0.1:${port}`];
    }
    const nginxPorts: number[] = [];
    for (let i = 0; i < layout.nginx; i++) {
        const nginx = await startNginx({
            upstream: { servers: upstream.map((address) => ({ address })) },
            // Every visitor of the lab comes from 127.0.0.1: the per-client limit would be one limit for everyone.
            rateLimit: { requestsPerSecond: 100_000, burst: 100_000 },
            ...(layout.l4 ? { clientAddress: { from: "nlb-proxy-protocol" as const, trustedCidrs: ["127.0.0.1/32"] }, healthPort: await freePort() } : {}),
        });
        nginxPorts.push(nginx.port);
        started.add({
            name: `nginx ${i + 1}${where}`,
            role: "reverse proxy (components/edge/nginx-conf.ts)",
            killAs: "nginx",
            region,
            port: nginx.port,
            url: `http://127.0.0.1:${nginx.port}${layout.l4 ? " (proxy protocol)" : ""}`,
            stop: nginx.stop,
            kill: nginx.kill,
        });
    }
    if (!layout.l4) return `http://127.0.0.1:${nginxPorts[0]}`;

    const port = await freePort();
    const servers = nginxPorts.map((p) => ({ address: `127.0.0.1:${p}` }));
    const l4 = await startNginxConf(port, (paths) => streamConf(port, servers, true, paths));
    started.add({
        name: `l4${where}`,
        role: "layer-4 balancer (the NLB)",
        killAs: "region",
        region,
        port,
        url: `http://127.0.0.1:${port}`,
        stop: l4.stop,
        kill: l4.kill,
    });
    return `http://127.0.0.1:${port}`;
}

/** Route 53's weighted records, as a layer-4 proxy weighting connections between the cells (equal weights, as the stacks set). */
async function weightedEntry(cells: string[], started: Started): Promise<string> {
    const port = await freePort();
    const servers = cells.map((url) => ({ address: new URL(url).host, weight: 1 }));
    const entry = await startNginxConf(port, (paths) => streamConf(port, servers, false, paths));
    started.add({ name: "entry", role: "weighted entry over the regions (Route 53)", port, url: `http://127.0.0.1:${port}`, stop: entry.stop });
    return `http://127.0.0.1:${port}`;
}

/**
 * Each app's SHOP_SERVICE_URL_* from where every app is reached (`urlOf`): the gateway's, for
 * the modules the services serve, and the catalog's, for the apps that reserve stock or read
 * products through its API (orders and the cart where they do not hold the catalog). The one
 * place the lab decides which app is told of which other.
 */
export function serviceUrlsByApp(apps: [string, ShopApp][], urlOf: (key: string) => string): Record<string, Record<string, string>> {
    return Object.fromEntries(apps.map(([key]) => [key, serviceUrlsFor(apps, key, urlOf)]));
}

/**
 * Starts a shop process on its chosen port. One that exits at start (its database did not answer
 * in time on a machine busy with other work, or another program took its port after the lab chose
 * it) is started again on the same port, since the other apps were told that port, as a fleet
 * replaces an instance that failed its start; at most three times, then a clear error.
 */
export async function startShopWithRetries(name: string, env: Record<string, string>, port: number): Promise<ShopProcess> {
    const attempts = 3;
    const taken = (what: string) => new Error(`${name}: ${what} was taken by another program after the lab chose it (${attempts} tries); start the lab again`);
    for (let attempt = 1; ; attempt++) {
        // Something answering there already would pass for this shop's readiness.
        if (await acceptsConnections(port)) {
            if (attempt >= attempts) throw taken(`port ${port}`);
            await new Promise((resolve) => setTimeout(resolve, 1000));
            continue;
        }
        try {
            return await startShopProcess(env, port, shopReadyWithinMs);
        } catch (err) {
            const message = (err as Error).message;
            if (attempt < attempts && /exited with status/.test(message)) continue;
            const inUse = /EADDRINUSE\S* address already in use (\S+)/.exec(message);
            throw inUse ? taken(inUse[1]) : new Error(`${name}: ${message}`);
        }
    }
}
