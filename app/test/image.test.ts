/**
 * The shop's image, app/Dockerfile, built stage by stage on this machine (see
 * support/dockerfile.ts) and its command started as an unprivileged user: it installs from
 * the lockfile, holds no development dependency, answers its HEALTHCHECK, serves the
 * storefront, and stops cleanly on its STOPSIGNAL.
 */
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import { isBuiltin } from "node:module";
import { buildDockerfile, hostEnv, Stage, treeSize } from "./support/dockerfile";
import { LayerCache, machineCache } from "./support/layer-cache";
import { freePort } from "../../tools/servers/ports";
import { PostgresServer, startPostgres } from "../../tools/servers/postgres";

const repoRoot = path.resolve(__dirname, "..", "..");
const isRoot = process.getuid?.() === 0;
/**
 * The machine's layer cache, as a Docker engine keeps one between builds: a step whose inputs did
 * not change since a build on this machine is copied back. SHOP_IMAGE_CACHE=off runs every step.
 */
const layerCache = process.env.SHOP_IMAGE_CACHE === "off" ? undefined : machineCache("image-layers");

describe("the shop's image", () => {
    let stages: Stage[];
    let image: Stage;
    const inImage = (p: string) => path.join(image.root, path.posix.resolve(image.workdir, p));
    /** Where the shop's packages are installed: its own (what npm could not hoist) and the hoisted ones, as in the build. */
    const nodeModules: string[] = [];
    /** Whether the compiled shop finds `name` in the image (not on this machine). */
    const resolvesInImage = (name: string) => {
        try {
            return require.resolve(name, { paths: [inImage("dist")] }).startsWith(`${image.root}${path.sep}`);
        } catch {
            return false;
        }
    };

    beforeAll(() => {
        stages = buildDockerfile(path.join(repoRoot, "app", "Dockerfile"), repoRoot, { cache: layerCache });
        image = stages[stages.length - 1];
        nodeModules.push(inImage("node_modules"), path.join(image.root, "node_modules"));
    }, 600_000);
    /** The database the image's run is given (its test starts it): stopped here, however that test ends. */
    let postgres: PostgresServer | undefined;
    afterAll(async () => {
        for (const stage of stages ?? []) fs.rmSync(stage.root, { recursive: true, force: true });
        await postgres?.stop();
    });

    it("is built in stages on one Node.js 22 LTS base, and runs as a user other than root", () => {
        expect(stages.map((s) => s.name)).toEqual(["build", "deps", "2"]);
        expect(new Set(stages.map((s) => s.image))).toEqual(new Set(["node:22-bookworm-slim"]));
        expect(image.user).not.toMatch(/^(root|0)(:|$)/);
        expect(image).toMatchObject({ exposed: ["8080"], stopSignal: "SIGTERM", env: { NODE_ENV: "production", PORT: "8080" } });
        // The release it is: the commit passed as REVISION by the stacks' build (unknown when built without one).
        expect(image.labels).toEqual({ "org.opencontainers.image.revision": "unknown" });
    });

    it("holds the compiled shop and its production dependencies only", () => {
        expect(fs.existsSync(inImage("dist/main.js"))).toBe(true);
        expect(fs.existsSync(inImage("dist/migrate.js"))).toBe(true);
        expect(fs.existsSync(inImage("src"))).toBe(false);
        for (const needed of ["fastify", "pg", "@electric-sql/pglite", "prom-client", "@aws-sdk/client-secrets-manager"])
            expect([needed, resolvesInImage(needed)]).toEqual([needed, true]);
        const app = JSON.parse(fs.readFileSync(path.join(repoRoot, "app", "package.json"), "utf8"));
        const root = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
        const unwanted = [...Object.keys(app.devDependencies), ...Object.keys(root.devDependencies), ...Object.keys(root.dependencies)];
        // A package the shop does not run may still be in the image because a production dependency declares it (the
        // OpenTelemetry PostgreSQL instrumentation depends on @types/pg, which brings @types/node): only those are allowed.
        const declaredInImage = new Set(
            nodeModules
                .flatMap(installedPackages)
                .flatMap((dir) => Object.keys(JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).dependencies ?? {})),
        );
        expect(unwanted.filter((name) => nodeModules.some((dir) => fs.existsSync(path.join(dir, name))) && !declaredInImage.has(name))).toEqual([]);
        // The shop's own files and dependencies; the base image adds its own. About 126 MiB since the AWS SDK's Secrets
        // Manager and SSM clients (the migration entry, the flags) and OpenTelemetry (traces) joined S3's.
        expect(treeSize(image.root)).toBeLessThan(160 * 1024 * 1024);
    });

    it("holds every package the compiled shop loads, those it loads only where configured (SSM, S3, OpenSearch) too", () => {
        // A package loaded at first use is missed by no start here: without it, the SSM flags would read as "every feature on".
        const files = fs.readdirSync(inImage("dist"), { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".js"));
        const loaded = new Set(
            files.flatMap((file) => [...fs.readFileSync(inImage(`dist/${file}`), "utf8").matchAll(/\brequire\("([^".][^"]*)"\)/g)].map(([, name]) => name)),
        );
        const packages = [...loaded].filter((name) => !isBuiltin(name));
        expect(packages).toEqual(expect.arrayContaining(["@aws-sdk/client-ssm", "@aws-sdk/client-s3", "@opensearch-project/opensearch"]));
        expect(packages.filter((name) => !resolvesInImage(name))).toEqual([]);
    });

    it("has the migration entry as its second command: one line naming what is wrong, and a non-zero exit", () => {
        const env = { ...hostEnv(), ...image.env, SHOP_ROLE_PASSWORD_CATALOG: "short" };
        let failure: { status: number | null; stderr: string } | undefined;
        try {
            execFileSync("node", ["dist/migrate.js"], { cwd: inImage("."), env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
        } catch (err) {
            failure = { status: (err as { status: number | null }).status, stderr: String((err as { stderr: string }).stderr) };
        }
        expect(failure?.status).toBe(1);
        expect(failure?.stderr.trim().split("\n")).toEqual([
            expect.stringMatching(/^migrations failed: Invalid configuration: SHOP_ROLE_PASSWORD_ORDERS: missing/),
        ]);
    });

    it("answers its health check, serves the storefront, and exits 0 on its stop signal", async () => {
        const port = await freePort();
        // On PostgreSQL, as a task runs it.
        postgres = await startPostgres();
        const env = {
            ...hostEnv(),
            ...image.env,
            PORT: String(port),
            SHOP_METRICS_PORT: String(await freePort()),
            SHOP_LOG_LEVEL: "warn",
            SHOP_DATABASE_URL: await postgres.createDatabase("image"),
        };
        // As root (CI), drop to `nobody`, as the image's USER does.
        const asUser = (argv: string[]) => (isRoot ? ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", ...argv] : argv);
        const [command, ...args] = asUser(image.cmd!);
        const shop = spawn(command, args, { cwd: inImage("."), env, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        shop.stderr!.on("data", (chunk) => (stderr += chunk));
        const exited = new Promise<number | null>((resolve) => shop.on("exit", resolve));
        try {
            const healthy = () => {
                const [check, ...checkArgs] = asUser(image.healthcheck!.command);
                try {
                    execFileSync(check, checkArgs, { cwd: inImage("."), env, stdio: "ignore", timeout: 3000 });
                    return true;
                } catch {
                    return false;
                }
            };
            // Waited for from here, then the image's own check once: each run of that check is a node process of its own.
            // Generous: the first start on a busy machine (two cores, other suites beside it) takes far longer than on a task's.
            const answers = () =>
                fetch(`http://127.0.0.1:${port}/healthz`).then(
                    (r) => r.ok,
                    () => false,
                );
            for (const deadline = Date.now() + 180_000; !(await answers());) {
                if (shop.exitCode !== null || Date.now() > deadline) throw new Error(`the image's command did not become healthy: ${stderr}`);
                await new Promise((resolve) => setTimeout(resolve, 250));
            }
            expect(healthy()).toBe(true);
            const page = await fetch(`http://127.0.0.1:${port}/products/1`);
            expect(page.status).toBe(200);
            expect(await page.text()).toContain("Add to cart");

            shop.kill(image.stopSignal as NodeJS.Signals);
            expect(await exited).toBe(0);
            expect(healthy()).toBe(false);
        } finally {
            shop.kill("SIGKILL");
        }
    });
});

/** Every package directory under a node_modules (scoped ones included). */
function installedPackages(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .flatMap((name) => (name.startsWith("@") ? fs.readdirSync(path.join(dir, name)).map((inner) => path.join(dir, name, inner)) : [path.join(dir, name)]))
        .filter((pkg) => fs.existsSync(path.join(pkg, "package.json")));
}

describe("the image build's layer cache", () => {
    let dir: string;
    const built: Stage[] = [];
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "shop-layer-cache-"));
        fs.mkdirSync(path.join(dir, "context", "files"), { recursive: true });
        fs.writeFileSync(path.join(dir, "context", ".dockerignore"), "files/notes.txt\n");
        // The step appends to a file outside the image each time it really runs.
        fs.writeFileSync(
            path.join(dir, "context", "Dockerfile"),
            [
                "FROM node:22-bookworm-slim",
                `ENV RUNS=${path.join(dir, "runs")}`,
                "WORKDIR /work",
                "COPY files ./",
                'RUN cat input.txt >> "$RUNS" && tr a-z A-Z < input.txt > output.txt',
                "",
            ].join("\n"),
        );
    });
    afterAll(() => {
        for (const stage of built) fs.rmSync(stage.root, { recursive: true, force: true });
        fs.rmSync(dir, { recursive: true, force: true });
    });

    function build(input: string, notes: string): { output: string; cached: string[]; runs: string } {
        fs.writeFileSync(path.join(dir, "context", "files", "input.txt"), input);
        fs.writeFileSync(path.join(dir, "context", "files", "notes.txt"), notes);
        const [stage] = buildDockerfile(path.join(dir, "context", "Dockerfile"), path.join(dir, "context"), { cache: new LayerCache(path.join(dir, "cache")) });
        built.push(stage);
        return {
            output: fs.readFileSync(path.join(stage.root, "work", "output.txt"), "utf8"),
            cached: stage.cached,
            runs: fs.readFileSync(path.join(dir, "runs"), "utf8"),
        };
    }

    it("runs a step once for the same inputs, gives its result back after, and runs it again when a copied file changes", () => {
        expect(build("one\n", "a")).toEqual({ output: "ONE\n", cached: [], runs: "one\n" });
        // A file the context ignores is not an input.
        const step = 'cat input.txt >> "$RUNS" && tr a-z A-Z < input.txt > output.txt';
        expect(build("one\n", "b")).toEqual({ output: "ONE\n", cached: [step], runs: "one\n" });
        expect(build("two\n", "b")).toEqual({ output: "TWO\n", cached: [], runs: "one\ntwo\n" });
        expect(build("one\n", "c")).toEqual({ output: "ONE\n", cached: [step], runs: "one\ntwo\n" });
    });
});
