import { rdsCaPath } from "../components/compute/rds-certificates";
import { forLambda } from "../stacks/migrations";
import { DataDomain, dataDomains, domainsOn, DomainStore } from "../stacks/ownership";
import { stages as allStages } from "../stacks/registry";
import { appsOwning, ownedDomains, ShopApp, shopApps } from "../stacks/service-layout";
import { Plan, PlanResource } from "../tools/plan";
import { sharedPlan } from "./support/shared-plans";

/**
 * The service boundaries (issue 19), read from the offline plans: who gets which domain's
 * variables and secrets, which groups each data store admits, and who may read a master
 * secret. What a resource receives shows in what it depends on: a fleet's first-boot script
 * depends on the stores whose URLs it names and the secrets it reads; a rule on the groups it
 * references.
 */
const stacks = ["dev", "prod"] as const;
const stages = allStages.map((s) => s.number);
const plans: Record<string, Plan> = {};
const planOf = (stack: string, stage: number) => plans[`${stack}-${stage}`];

beforeAll(async () => {
    for (const stack of stacks) for (const stage of stages) plans[`${stack}-${stage}`] = await sharedPlan(stack, stage);
}, 600_000);

const nameOf = (urn: string) => urn.split("::").at(-1)!;
const typeOf = (urn: string) => urn.split("::").at(-2)!.split("$").at(-1)!;
const regions = (plan: Plan) => [...new Set(plan.resources.filter((r) => r.type === "aws:ec2/vpc:Vpc").map((r) => r.region!))];

/** The store a cluster (or its secondary, or its security group) belongs to, from its name. */
function storeOfCluster(name: string): DomainStore | undefined {
    if (/^shop-db-/.test(name)) return "main";
    if (/^shop-catalog-db-/.test(name)) return "catalog";
    if (/^shop-users-db-/.test(name)) return "users";
    if (/^shop-comments-\d+-/.test(name)) return "shards";
    return undefined;
}

type WiredDomain = DataDomain | "pictures";

/** What an app is wired to: its domains, and the pictures where it owns the catalog or renders the storefront's pages. */
const wiredTo = (app: ShopApp): string[] =>
    sorted([...ownedDomains(app), ...(ownedDomains(app).includes("catalog") || app.modules.includes("web") ? ["pictures"] : [])]);

/**
 * The data domains a dependency carries, at a stage: a database by the domains it holds, a
 * role's or the search user's secret by its domain, the search domain and the media bucket by
 * the catalog; shared things (Redis, the session key) and the resource's own parts carry none.
 */
function domainsCarried(urn: string, stage: number): WiredDomain[] {
    const name = nameOf(urn);
    const type = typeOf(urn);
    if (type === "aws:rds/cluster:Cluster") return domainsOn(storeOfCluster(name)!, stage);
    const role = /^shop-role-(\w+)-/.exec(name);
    if (role && (type.startsWith("aws:secretsmanager/") || type === "random:index/randomPassword:RandomPassword")) return [role[1] as DataDomain];
    if (/^shop-search-user-/.test(name) || type === "aws:opensearch/domain:Domain") return ["catalog"];
    // The pictures' bucket: the catalog writes them, the storefront reads them to link its pages to them.
    if (/^shop-media-/.test(name)) return ["pictures"];
    return [];
}

/** Master credentials: the clusters' generated ones, the shards' shared one, the search domain's master user. */
const isMasterSecret = (urn: string) =>
    (typeOf(urn) === "aws:secretsmanager/secret:Secret" || typeOf(urn) === "random:index/randomPassword:RandomPassword") && /-master$/.test(nameOf(urn));

/** The fleets of a plan with their app key and region (`shop-app-fleet-<region>` is the entry app's). */
function fleets(plan: Plan): { key: string; region: string; template: PlanResource; policy: PlanResource }[] {
    return plan.resources
        .filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate" && /-fleet-/.test(r.name) && !r.name.startsWith("shop-nginx"))
        .map((template) => {
            const [, key, region] = /^shop-(.+)-fleet-(.+)$/.exec(template.name)!;
            const policy = plan.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === template.name)!;
            return { key, region, template, policy };
        });
}

/** The shop's workloads (stage 14 on) with their app key: the Deployment named `shop-<key>-<region>` (`shop-<region>` is the entry's). */
function workloads(plan: Plan): { key: string; config: PlanResource; secret: PlanResource; deployment: PlanResource }[] {
    const keys = Object.keys(shopApps(plan.stage.number));
    return regions(plan).flatMap((region) =>
        keys.map((key) => {
            const name = key === "app" ? `shop-${region}` : `shop-${key}-${region}`;
            const find = (type: string) => plan.resources.find((r) => r.type === type && r.name === name)!;
            return {
                key,
                config: find("kubernetes:core/v1:ConfigMap"),
                secret: find("kubernetes:core/v1:Secret"),
                deployment: find("kubernetes:apps/v1:Deployment"),
            };
        }),
    );
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/** The variables of a domain, by their names (docs/contracts.md). */
function domainOfVariable(name: string): WiredDomain | undefined {
    const perDomain = /^SHOP_DATABASE_(?:URL|READER_URLS|PASSWORD)_(CATALOG|ORDERS|USERS)$/.exec(name);
    if (perDomain) return perDomain[1].toLowerCase() as DataDomain;
    if (/^SHOP_COMMENT_SHARD_/.test(name)) return "comments";
    if (/^SHOP_SEARCH_/.test(name)) return "catalog";
    if (/^SHOP_MEDIA_/.test(name)) return "pictures";
    return undefined;
}

describe("each fleet and workload gets only its own domains (stage 11 on)", () => {
    it.each(stages.filter((s) => s >= 11 && s <= 13))(
        "stage %i: each fleet's script and role reach only the stores and secrets of the domains it owns",
        (stage) => {
            for (const stack of stacks) {
                const plan = planOf(stack, stage);
                const found = fleets(plan);
                expect(found.length).toBe(Object.keys(shopApps(stage)).length * regions(plan).length);
                for (const { key, region, template, policy } of found) {
                    const owned = wiredTo(shopApps(stage)[key]);
                    const carried = (r: PlanResource) => sorted(r.dependsOn.flatMap((urn) => domainsCarried(urn, stage)));
                    expect([stack, region, key, "script", carried(template)]).toEqual([stack, region, key, "script", owned]);
                    expect([stack, region, key, "role", carried(policy)]).toEqual([stack, region, key, "role", owned]);
                }
            }
        },
    );

    it.each(stages.filter((s) => s >= 14))(
        "stage %i: each workload's ConfigMap names only its domains' variables, and its Secret holds only their passwords",
        (stage) => {
            for (const stack of stacks) {
                const plan = planOf(stack, stage);
                for (const { key, config, secret } of workloads(plan)) {
                    const owned = sorted(ownedDomains(shopApps(stage)[key]));
                    const variables = Object.keys(config.inputs.data as Record<string, string>);
                    expect([stack, key, sorted(variables.flatMap((v) => domainOfVariable(v) ?? []))]).toEqual([stack, key, wiredTo(shopApps(stage)[key])]);
                    // Everything it owns, writer and password alike.
                    for (const domain of owned) {
                        expect(variables).toContain(domain === "comments" ? "SHOP_COMMENT_SHARD_URLS" : `SHOP_DATABASE_URL_${domain.toUpperCase()}`);
                    }
                    // The pictures have no secret.
                    expect([stack, key, sorted(secret.dependsOn.flatMap((urn) => domainsCarried(urn, stage)))]).toEqual([stack, key, owned]);
                }
            }
        },
    );
});

describe("each data store admits only its owners", () => {
    /** The groups a store's security group admits, by the rules' references: app keys, and `migrate-<domain>` for the migration functions. */
    function admitted(plan: Plan, group: PlanResource): string[] {
        return plan.resources
            .filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.dependsOn.includes(group.urn))
            .flatMap((rule) => rule.dependsOn.filter((urn) => urn !== group.urn && typeOf(urn) === "aws:ec2/securityGroup:SecurityGroup"))
            .map((urn) => {
                const name = nameOf(urn);
                const migration = /^shop-migrate-(\w+)-/.exec(name);
                if (migration) return `migrate-${migration[1]}`;
                const app = /^shop-app-(?:([a-z]+)-)?[a-z]+-[a-z]+-\d$/.exec(name);
                if (app) return app[1] ?? "app";
                return name;
            });
    }
    const groupsOf = (plan: Plan, match: (name: string) => boolean) =>
        plan.resources.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup" && match(r.name));

    it.each(stages.filter((s) => s >= 11))("stage %i: databases admit their domains' apps and migrations, search the catalog's, Redis every app", (stage) => {
        for (const stack of stacks) {
            const plan = planOf(stack, stage);
            const home = plan.resources.find((r) => r.type === "aws:ec2/vpc:Vpc")!.region!;
            const apps = Object.keys(shopApps(stage));
            const owners = (domains: DataDomain[], region: string) =>
                sorted([...domains.flatMap((d) => appsOwning(stage, d)), ...(region === home ? domains.map((d) => `migrate-${d}`) : [])]);
            const databases = groupsOf(
                plan,
                (name) => storeOfCluster(name) !== undefined && plan.resources.some((r) => r.type === "aws:rds/cluster:Cluster" && r.name === name),
            );
            expect(databases.length).toBeGreaterThan(0);
            for (const group of databases) {
                expect([stack, group.name, sorted(admitted(plan, group))]).toEqual([
                    stack,
                    group.name,
                    owners(domainsOn(storeOfCluster(group.name)!, stage), group.region!),
                ]);
            }
            for (const group of groupsOf(plan, (name) => /^shop-search-/.test(name))) {
                expect([stack, group.name, sorted(admitted(plan, group))]).toEqual([stack, group.name, owners(["catalog"], group.region!)]);
            }
            for (const group of groupsOf(plan, (name) => /^shop-cache-/.test(name))) {
                expect([stack, group.name, sorted(admitted(plan, group))]).toEqual([stack, group.name, sorted(apps)]);
            }
        }
    });

    it.each(stages.filter((s) => s >= 11))(
        "stage %i: no group is admitted by every database of a region, the storefront's neither (its pages ask the services)",
        (stage) => {
            for (const stack of stacks) {
                const plan = planOf(stack, stage);
                for (const region of regions(plan)) {
                    const databases = groupsOf(
                        plan,
                        (name) => storeOfCluster(name) !== undefined && plan.resources.some((r) => r.type === "aws:rds/cluster:Cluster" && r.name === name),
                    ).filter((g) => g.region === region);
                    const admittedBy = new Map<string, number>();
                    for (const group of databases)
                        for (const source of new Set(admitted(plan, group))) admittedBy.set(source, (admittedBy.get(source) ?? 0) + 1);
                    expect(databases.length).toBeGreaterThan(1);
                    expect([stack, region, [...admittedBy].filter(([, count]) => count === databases.length).map(([source]) => source)]).toEqual([
                        stack,
                        region,
                        [],
                    ]);
                }
            }
        },
    );
});

describe("master credentials and the migrations", () => {
    it.each(stages.filter((s) => s >= 2))(
        "stage %i: no server's, fleet's or pod's role or Secret reaches a master secret; only the migration functions' roles do",
        (stage) => {
            for (const stack of stacks) {
                const plan = planOf(stack, stage);
                const processes = plan.resources.filter(
                    (r) =>
                        (r.type === "aws:iam/rolePolicy:RolePolicy" && !r.name.startsWith("shop-migrate-")) ||
                        r.type === "kubernetes:core/v1:Secret" ||
                        r.type === "aws:ec2/launchTemplate:LaunchTemplate" ||
                        r.type === "aws:ec2/instance:Instance",
                );
                expect(processes.length).toBeGreaterThan(0);
                for (const r of processes) expect([stack, r.type, r.name, r.dependsOn.filter(isMasterSecret).map(nameOf)]).toEqual([stack, r.type, r.name, []]);
                const migrations = plan.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.startsWith("shop-migrate-"));
                expect(sorted(migrations.map((r) => /^shop-migrate-(\w+)-/.exec(r.name)![1]))).toEqual(sorted(dataDomains));
                for (const r of migrations) expect([r.name, r.dependsOn.some(isMasterSecret)]).toEqual([r.name, true]);
            }
        },
    );

    it.each(stages.filter((s) => s >= 2))("stage %i: every server, fleet and shop pod rolls after every migration function has run", (stage) => {
        for (const stack of stacks) {
            const plan = planOf(stack, stage);
            const invocations = plan.resources.filter((r) => r.type === "aws:lambda/invocation:Invocation");
            expect(invocations.map((r) => r.name).sort()).toEqual(dataDomains.map((d) => `shop-migrate-${d}-us-east-1`).sort());
            const rolled = plan.resources.filter(
                (r) =>
                    r.type === "shop:compute:AppFleet" ||
                    // The single server serves until stage 4, which retires it (keeping only its data volume).
                    (r.type === "shop:compute:SingleServer" && stage < 4) ||
                    (r.type === "kubernetes:apps/v1:Deployment" && (r.parent ?? "").includes("shop:containers:ShopWorkload")),
            );
            expect(rolled.length).toBeGreaterThan(0);
            for (const r of rolled) {
                expect([stack, r.name, invocations.filter((i) => !r.dependsOn.includes(i.urn)).map((i) => i.name)]).toEqual([stack, r.name, []]);
            }
        }
    });

    it("runs each domain's migrations from the shop's image, in the VPC, in the home region only, its secrets by reference", () => {
        for (const stack of stacks) {
            const plan = planOf(stack, 15);
            const functions = plan.resources.filter((r) => r.type === "aws:lambda/function:Function");
            expect(functions.map((f) => f.region)).toEqual(dataDomains.map(() => "us-east-1"));
            const fleetImage = plan.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "shop-us-east-1")!;
            const image = (fleetImage.inputs as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0].image;
            for (const f of functions) {
                const inputs = f.inputs as {
                    imageUri: string;
                    packageType: string;
                    imageConfig: { commands: string[] };
                    vpcConfig: { subnetIds: unknown[] };
                    environment: { variables: Record<string, string> };
                };
                expect(inputs.packageType).toBe("Image");
                expect(inputs.imageUri).toBe(image);
                expect(inputs.imageConfig.commands).toEqual(["node", "dist/migrate.js"]);
                expect(inputs.vpcConfig.subnetIds.length).toBeGreaterThan(1);
                expect(Object.keys(inputs.environment.variables).filter((v) => /PASSWORD|SECRET|TOKEN/.test(v))).toEqual(["SHOP_SECRET_REFS"]);
                // Lambda writes only to /tmp: the function fetches the RDS bundle there, and its URLs verify TLS against that copy.
                const variables = inputs.environment.variables;
                expect(variables.SHOP_RDS_CA_FILE).toBe("/tmp/rds-ca.pem");
                expect(variables.SHOP_RDS_CA_URL).toMatch(/^https:\/\/truststore\.pki\.rds\.amazonaws\.com\//);
            }
        }
    });

    it("points the migration function's database URLs at the bundle it fetched into /tmp, keeping TLS verified (the URLs are unknown in a preview)", () => {
        const fleetUrl = `postgres://shop_orders@db.cluster-x.us-east-1.rds.amazonaws.com:5432/shop?sslmode=verify-full&sslrootcert=${rdsCaPath}`;
        expect(forLambda(fleetUrl)).toBe(
            "postgres://shop_orders@db.cluster-x.us-east-1.rds.amazonaws.com:5432/shop?sslmode=verify-full&sslrootcert=/tmp/rds-ca.pem",
        );
        expect(forLambda("us-east-1")).toBe("us-east-1");
    });
});
