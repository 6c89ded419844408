/**
 * The capacity a planned stack is credited with, in page views a second, tier by tier: the
 * application, the Nginx tier in front of it, the databases and the caches, the smallest
 * winning; normal, with one zone lost and (from stage 9, two regions) with one region lost.
 * The figures per vCPU below are converted from the shop's own benchmark (README's benchmark
 * table) or assumed, and say which; the lab's measured table is cited beside them (labTable).
 */
import { Plan } from "./plan";
import { MachineSize, PriceError, sizeOf } from "./prices";
import { mixCost, Scenario } from "./scenario";

type Resource = Plan["resources"][number];

export const capacityModel = {
    /**
     * Product pages a second per vCPU of the shop. `npm run bench` measured 2,476/s from one Node
     * process on a 2-vCPU machine shared with PostgreSQL and the load generator; a Node process runs
     * its JavaScript on one thread, so it used at most one vCPU: 2,476 per vCPU is a floor.
     */
    appPagesPerVcpu: 2476,
    /** Requests a second per vCPU of Nginx: the seed's 50,000 users per Nginx at a 10 s think time (5,000/s) over 2 vCPUs. Not measured. */
    nginxRequestsPerVcpu: 2500,
    /** Queries a second per vCPU of PostgreSQL: `npm run bench`, cache off, 4,094 API reads/s, each a query, on 2 shared vCPUs. */
    databaseQueriesPerVcpu: 2047,
    /** Assumed: small GET/SET operations a second per vCPU of a Valkey node. */
    cacheOperationsPerVcpu: 50_000,
    /** An ACU is about 2 GiB of memory with its share of CPU: a db.r6g.large (2 vCPUs, 16 GiB) is 8 ACU, so an ACU is taken as 1/4 vCPU. */
    vcpusPerAcu: 0.25,
    /** CPU a lone server (no autoscaling) is run at; data tiers are run at 70%. */
    serverCpuTarget: 0.5,
    dataCpuTarget: 0.7,
};

/**
 * The lab's table (README, "The lab's measurements"): `npm run lab -- --stages 1-13 --bench`, each
 * stage's topology with real servers on one machine, dated and the machine named. Cited, not
 * converted into the figures above: every server of a stage shares that machine's cores, so it
 * compares the stages' paths with each other rather than measuring a fleet's capacity per vCPU.
 */
export const labTable = { measured: "2026-12-01", stages: "1-13" };

/** The seed's rule, applied to every tier: a stack carries the least of what its tiers carry. */
export function leastOf(tiers: number[]): number {
    return Math.min(...tiers);
}

/** The seed's worked example in its own terms: app servers behind an optional Nginx tier, users per instance of each. */
export function usersCarried(servers: { app: number; nginx?: number }, perInstance: { usersPerApp: number; usersPerNginx: number }): number {
    const app = servers.app * perInstance.usersPerApp;
    return servers.nginx === undefined ? leastOf([app]) : leastOf([app, servers.nginx * perInstance.usersPerNginx]);
}

/** Units of one tier in one region (a fleet, a Deployment, a cluster): how many, at least and at most, and page views a second each. */
interface Group {
    region: string;
    min: number;
    max: number;
    each: number;
    zones: number;
}

export type TierName = "application" | "nginx" | "database" | "cache";

export interface TierCapacity {
    tier: TierName;
    normal: number;
    zoneLost: number;
    regionLost?: number;
    max: number;
    basis: string;
}

export interface Capacity {
    tiers: TierCapacity[];
    /** Page views a second the stack carries: the smallest tier. */
    normal: number;
    zoneLost: number;
    regionLost?: number;
    max: number;
    limitedBy: TierName;
    regions: string[];
}

const regionPattern = /(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d/;
const inputs = (r: Resource) => r.inputs as Record<string, any>;

/** A resource's region: its provider's, or for Kubernetes objects, the region in its name. */
export function regionOf(r: Resource): string | undefined {
    return r.region ?? regionPattern.exec(r.name)?.[0];
}

/** Zones a region spreads over: its load balancers' or fleets' subnets, else one. */
export function zonesOf(plan: Plan, region: string): number {
    const counts = plan.resources
        .filter((r) => r.region === region)
        .map((r) => {
            const i = inputs(r);
            if (r.type === "aws:lb/loadBalancer:LoadBalancer") return (i.subnets ?? i.subnetMappings ?? []).length;
            if (r.type === "aws:autoscaling/group:Group") return (i.vpcZoneIdentifiers ?? []).length;
            if (r.type === "aws:eks/nodeGroup:NodeGroup") return (i.subnetIds ?? []).length;
            return 0;
        });
    return Math.max(1, ...counts);
}

function groupCapacity(groups: Group[], lose: { zone?: boolean; region?: string; max?: boolean }): number {
    return groups
        .filter((g) => g.region !== lose.region)
        .reduce((sum, g) => {
            const n = lose.max ? g.max : g.min;
            // Spread evenly, the worst zone holds ceil(n / zones) of them.
            return sum + (lose.zone ? n - Math.ceil(n / g.zones) : n) * g.each;
        }, 0);
}

/** CPU target of an Auto Scaling group (its target-tracking policy), else the lone server's. */
function fleetTarget(plan: Plan, group: Resource): number {
    const policy = plan.resources.find((r) => r.type === "aws:autoscaling/policy:Policy" && r.parent === group.parent && inputs(r).targetTrackingConfiguration);
    const target = policy ? Number(inputs(policy).targetTrackingConfiguration.targetValue) : NaN;
    return Number.isFinite(target) ? target / 100 : capacityModel.serverCpuTarget;
}

/** A launch template's instance type for an Auto Scaling group (its sibling). */
function fleetMachine(plan: Plan, group: Resource): { type: string; machine: MachineSize } {
    const template = plan.resources.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate" && r.parent === group.parent);
    const type = String(inputs(template!).instanceType);
    return { type, machine: sizeOf(type) };
}

/** Kubernetes CPU quantity ("250m", "1") in vCPUs. */
export function cpuQuantity(q: string | number): number {
    const text = String(q);
    return text.endsWith("m") ? Number(text.slice(0, -1)) / 1000 : Number(text);
}

/** A Deployment's CPU request and its autoscaler's bounds and target. */
function podGroups(plan: Plan, isNginx: boolean, each: (vcpus: number) => number): (Group & { entry: boolean })[] {
    const deployments = plan.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name.startsWith("nginx-") === isNginx);
    return plan.resources
        .filter((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" && r.name.startsWith("nginx-") === isNginx)
        .map((hpa) => {
            const spec = inputs(hpa).spec;
            const deployment = deployments.find((d) => d.name === hpa.name && d.parent === hpa.parent);
            const request = cpuQuantity(inputs(deployment!).spec.template.spec.containers[0].resources.requests.cpu);
            const target = Number(spec.metrics?.[0]?.resource?.target?.averageUtilization ?? 70) / 100;
            const region = regionOf(hpa)!;
            // A pod is credited the CPU it requests, at its autoscaler's target: what the scheduler guarantees it.
            const entry = hpa.name === `shop-${region}`;
            return { region, min: spec.minReplicas, max: spec.maxReplicas, each: each(request * target), zones: zonesOf(plan, region), entry };
        });
}

export function capacityOf(plan: Plan, scenario: Scenario): Capacity {
    const m = capacityModel;
    const pagesPerAppVcpu = m.appPagesPerVcpu / mixCost(scenario.journeys);
    const of = (type: string) => plan.resources.filter((r) => r.type === type);

    const fleets = (pattern: RegExp, perVcpu: number): Group[] =>
        of("aws:autoscaling/group:Group")
            .filter((g) => pattern.test(g.name))
            .map((g) => {
                const region = g.region!;
                const vcpus = fleetMachine(plan, g).machine.vcpus * fleetTarget(plan, g);
                return { region, min: inputs(g).minSize, max: inputs(g).maxSize, each: vcpus * perVcpu, zones: zonesOf(plan, region) };
            });
    const servers: Group[] = of("aws:ec2/instance:Instance").map((s) => ({
        region: s.region!,
        min: 1,
        max: 1,
        each: sizeOf(inputs(s).instanceType).vcpus * m.serverCpuTarget * pagesPerAppVcpu,
        // A lone server lives in one zone: losing it loses the shop.
        zones: 1,
    }));
    // The application: the entry app every page view reaches (the shop-app-fleet-<region> fleets, or the shop-<region>
    // Deployments), else the lone server. The services split from it (stage 11 on) are taken to keep up: not modelled yet.
    const appFleets = [...fleets(/^shop-app-fleet-/, pagesPerAppVcpu), ...podGroups(plan, false, (v) => v * pagesPerAppVcpu).filter((g) => g.entry)];
    const app = appFleets.length > 0 ? appFleets : servers;
    const nginx = [...fleets(/^shop-nginx-/, m.nginxRequestsPerVcpu), ...podGroups(plan, true, (v) => v * m.nginxRequestsPerVcpu)];

    const database: Group[] = of("aws:rds/cluster:Cluster").map((cluster) => {
        const members = of("aws:rds/clusterInstance:ClusterInstance").filter((i) => i.parent === cluster.parent && i.region === cluster.region);
        const vcpus = members.reduce((sum, i) => sum + auroraVcpus(plan, i), 0);
        const region = cluster.region!;
        return {
            region,
            min: members.length,
            max: members.length,
            each: members.length === 0 ? 0 : ((vcpus / members.length) * m.dataCpuTarget * m.databaseQueriesPerVcpu) / scenario.traffic.databaseQueries,
            zones: zonesOf(plan, region),
        };
    });
    const cache: Group[] = of("aws:elasticache/replicationGroup:ReplicationGroup").map((g) => {
        const i = inputs(g);
        const primaries = i.numNodeGroups ?? 1;
        const replicas = i.numCacheClusters !== undefined ? i.numCacheClusters - 1 : (i.replicasPerNodeGroup ?? 0);
        const machine = sizeOf(cacheNodeType(plan, g));
        const region = g.region!;
        // A primary lost with its zone is replaced by a replica: the cache keeps its capacity if it has one.
        return {
            region,
            min: primaries,
            max: primaries,
            each: (machine.vcpus * m.dataCpuTarget * m.cacheOperationsPerVcpu) / scenario.traffic.cacheOperations,
            zones: replicas > 0 ? Number.POSITIVE_INFINITY : 1,
        };
    });

    const regions = [...new Set([...app, ...nginx].map((g) => g.region))].sort();
    const tier = (name: TierName, groups: Group[], basis: string): TierCapacity | undefined =>
        groups.length === 0
            ? undefined
            : {
                  tier: name,
                  normal: groupCapacity(groups, {}),
                  zoneLost: groupCapacity(groups, { zone: true }),
                  regionLost: regions.length > 1 ? Math.min(...regions.map((r) => groupCapacity(groups, { region: r }))) : undefined,
                  max: groupCapacity(groups, { max: true }),
                  basis,
              };
    const tiers = [
        tier(
            "application",
            app,
            `${m.appPagesPerVcpu.toLocaleString("en-US")} product pages/s per vCPU ÷ ${mixCost(scenario.journeys).toFixed(2)} (the journey mix's cost)`,
        ),
        tier("nginx", nginx, `${m.nginxRequestsPerVcpu.toLocaleString("en-US")} requests/s per vCPU (the seed's figure, not measured)`),
        tier(
            "database",
            database,
            `${m.databaseQueriesPerVcpu.toLocaleString("en-US")} queries/s per vCPU at ${m.dataCpuTarget * 100}%, ${scenario.traffic.databaseQueries} a page`,
        ),
        tier(
            "cache",
            cache,
            `${m.cacheOperationsPerVcpu.toLocaleString("en-US")} operations/s per vCPU at ${m.dataCpuTarget * 100}% (assumed), ${scenario.traffic.cacheOperations} a page`,
        ),
    ].filter((t): t is TierCapacity => t !== undefined);
    if (tiers.length === 0) throw new PriceError("no application to credit a capacity to: no shop server, fleet or Deployment in the plan");
    const least = (key: "normal" | "zoneLost" | "max") => leastOf(tiers.map((t) => t[key]));
    const limiting = tiers.reduce((a, b) => (b.normal < a.normal ? b : a));
    return {
        tiers,
        normal: least("normal"),
        zoneLost: least("zoneLost"),
        regionLost: regions.length > 1 ? leastOf(tiers.map((t) => t.regionLost ?? Number.POSITIVE_INFINITY)) : undefined,
        max: least("max"),
        limitedBy: limiting.tier,
        regions,
    };
}

/** A global datastore's secondary runs its primary's node type. */
export function cacheNodeType(plan: Plan, group: Resource): string {
    return (
        inputs(group).nodeType ??
        plan.resources
            .filter((g) => g.type === group.type && g.parent === group.parent)
            .map((g) => inputs(g).nodeType)
            .find(Boolean)
    );
}

/** The ACUs an Aurora Serverless v2 instance holds at the least: readers in promotion tier 0-1 follow the writer's size. */
export function serverlessFloor(plan: Plan, instance: Resource): number {
    const cluster = plan.resources.find((c) => c.type === "aws:rds/cluster:Cluster" && c.parent === instance.parent && c.region === instance.region);
    const scaling = inputs(cluster ?? instance).serverlessv2ScalingConfiguration ?? {};
    const min = Number(scaling.minCapacity ?? 0.5);
    const max = Number(scaling.maxCapacity ?? min);
    const tier = Number(inputs(instance).promotionTier ?? 1);
    if (tier > 1) return min;
    const writer = plan.resources.find(
        (w) =>
            w.type === "aws:rds/clusterInstance:ClusterInstance" &&
            w.parent === instance.parent &&
            w.region === instance.region &&
            w !== instance &&
            Number(inputs(w).promotionTier ?? 0) === 0 &&
            inputs(w).instanceClass !== "db.serverless",
    );
    // AWS: readers in tiers 0 and 1 scale with the writer, so that one can take over at its size; a provisioned writer's size in ACU is its memory / 2 GiB.
    const writerAcu = writer ? sizeOf(inputs(writer).instanceClass).memoryGiB / 2 : min;
    return Math.min(max, Math.max(min, writerAcu));
}

function auroraVcpus(plan: Plan, instance: Resource): number {
    const size = String(inputs(instance).instanceClass);
    return size === "db.serverless" ? serverlessFloor(plan, instance) * capacityModel.vcpusPerAcu : sizeOf(size).vcpus;
}
