/**
 * A rolled-back image must work on the database the newer one migrated (docs/decisions.md:
 * expand/contract). The previous release is the parent of the latest commit (on the main line)
 * that changed a migration: checked out into a git worktree of its own, installed with its own
 * lockfile (`npm ci` once on a machine: what it installed is kept for the next run by the
 * manifests' and lockfile's content, support/layer-cache.ts), and started against a database the current
 * release migrated first. It must start (its own migrations a no-op: the newer schema has them
 * all) and serve a customer's whole path: browse, register, cart, checkout, orders.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chainKey, hostToolchain, machineCache } from "./support/layer-cache";
import { freePort } from "../../tools/servers/ports";
import { PostgresServer, startPostgres } from "../../tools/servers/postgres";
import { ShopClient, startShop } from "./support/shop";

const repoRoot = path.resolve(__dirname, "..", "..");
const migrationsFile = "app/src/db/migrations.ts";
/** What decides the installed dependencies. */
const dependencyFiles = ["package.json", "package-lock.json", "app/package.json"];
const git = (...args: string[]) => execFileSync("git", ["-C", repoRoot, ...args], { encoding: "utf8" }).trim();
/** Where npm installs, in the checkout and in a release's worktree. */
const installDirs = ["node_modules", "app/node_modules"];

/**
 * `commit`'s dependencies installed from its own lockfile into `worktree`: linked to the machine's
 * copy of the same install (the same manifests and lockfile, Node.js and npm) when there is one;
 * else installed there, and a copy kept (as hard links: nothing writes into an installed tree).
 */
function installRelease(commit: string, worktree: string): void {
    const cache = machineCache("previous-release");
    const key = chainKey("", hostToolchain(), ...dependencyFiles.map((file) => git("rev-parse", `${commit}:${file}`)));
    const kept = cache.lookup(key);
    if (kept) {
        for (const dir of installDirs) if (fs.existsSync(path.join(kept, dir))) fs.symlinkSync(path.join(kept, dir), path.join(worktree, dir));
    } else {
        execFileSync("npm", ["ci", "--workspace", "app", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
            cwd: worktree,
            stdio: ["ignore", "pipe", "pipe"],
            timeout: 900_000,
        });
        const installed = fs.mkdtempSync(path.join(os.tmpdir(), "shop-previous-install-"));
        fs.mkdirSync(path.join(installed, "app"));
        // npm makes app/node_modules only for what it cannot hoist.
        for (const dir of installDirs)
            if (fs.existsSync(path.join(worktree, dir))) execFileSync("cp", ["-al", path.join(worktree, dir), path.join(installed, dir)]);
        cache.save(key, installed, { link: true });
        fs.rmSync(installed, { recursive: true, force: true });
    }
    cache.prune();
}

/** The commit before the latest one (on the main line) that changed a migration; throws when none did. */
function previousRelease(): { commit: string; changed: string } {
    const changed = git("log", "-1", "--first-parent", "--format=%H", "--", migrationsFile);
    if (changed === "") throw new Error(`no commit changed ${migrationsFile}: the previous release cannot be found`);
    return { commit: git("rev-parse", `${changed}^1`), changed };
}

describe("the previous release on the current schema", () => {
    let postgres: PostgresServer;
    let worktree: string;
    let release: { commit: string; changed: string };

    beforeAll(async () => {
        release = previousRelease();
        worktree = fs.mkdtempSync(path.join(os.tmpdir(), "shop-previous-release-"));
        fs.rmdirSync(worktree);
        git("worktree", "add", "--detach", worktree, release.commit);
        // Its own dependencies, from its own lockfile (npm's cache spares the downloads); where its manifests and lockfile
        // are this checkout's, its dependencies are the installed ones, so they are used as they are.
        const sameDependencies = dependencyFiles.every((file) => git("rev-parse", `${release.commit}:${file}`) === git("hash-object", file));
        if (sameDependencies) for (const dir of installDirs) fs.symlinkSync(path.join(repoRoot, dir), path.join(worktree, dir));
        else installRelease(release.commit, worktree);
        postgres = await startPostgres();
    }, 1_000_000);
    afterAll(async () => {
        await postgres?.stop();
        if (worktree) git("worktree", "remove", "--force", worktree);
    });

    it("starts on the schema the current release migrated, migrating nothing, and serves the customer path", async () => {
        expect(git("show", `${release.commit}:${migrationsFile}`)).not.toBe(git("show", `${release.changed}:${migrationsFile}`));
        const url = await postgres.createDatabase("shop");
        // The current release migrates and seeds the database, then stops: the rollback comes after it.
        const current = await startShop({ SHOP_DATABASE_URL: url });
        await current.close();
        const schema = () =>
            postgres.psql(
                "shop",
                "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1; SELECT domain || ' ' || version FROM schema_migrations ORDER BY 1",
            );
        const migrated = schema();

        const port = await freePort();
        const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
            cwd: path.join(worktree, "app"),
            env: {
                PATH: process.env.PATH ?? "",
                PORT: String(port),
                SHOP_METRICS_PORT: String(await freePort()),
                SHOP_DATABASE_URL: url,
                SHOP_SESSION_SECRET: "shared-secret-of-every-instance-0123456789",
                SHOP_LOG_LEVEL: "warn",
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout!.on("data", (chunk) => (output += chunk));
        child.stderr!.on("data", (chunk) => (output += chunk));
        const base = `http://127.0.0.1:${port}`;
        try {
            for (const deadline = Date.now() + 120_000; ;) {
                if (child.exitCode !== null)
                    throw new Error(`the previous release (${release.commit.slice(0, 12)}) exited ${child.exitCode} on the current schema: ${output}`);
                if (Date.now() > deadline) throw new Error(`the previous release was not ready within 120 s: ${output}`);
                if (
                    await fetch(`${base}/readyz`).then(
                        (r) => r.ok,
                        () => false,
                    )
                )
                    break;
                await new Promise((resolve) => setTimeout(resolve, 250));
            }
            // Its migrations found every version they know applied: nothing changed.
            expect(schema()).toBe(migrated);

            const c = new ShopClient(base);
            expect((await c.request("GET", "/")).status).toBe(200);
            expect((await c.request("GET", "/products/2")).status).toBe(200);
            c.csrfToken = (await c.request("GET", "/api/session")).data.csrfToken;
            await c.register("rollback@example.com");
            await c.request("POST", "/api/cart/items", { json: { productId: 2, quantity: 2 } });
            expect((await c.request("POST", "/api/cart/items", { json: { productId: 3 } })).data.count).toBe(3);
            const order = await c.request("POST", "/api/checkout", { headers: { "idempotency-key": "rollback-0001" } });
            expect(order).toMatchObject({ status: 200, data: { status: "paid" } });
            expect((await c.request("GET", "/api/orders")).data.map((o: { id: number }) => o.id)).toEqual([order.data.id]);
            expect(output).not.toMatch(/"level":(50|60)/);
        } finally {
            child.kill("SIGTERM");
            await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
        }
    }, 300_000);
});
