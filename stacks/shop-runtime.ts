import { shopMetricsPort } from "../components/containers/shop-workload";
import { StackConfig } from "./config";
import { ServingCell } from "./region-cell";
import { switchedOn } from "./registry";
import { ServerWiring } from "./server-wiring";
import { shopApps } from "./service-layout";

/** Memory of an Aurora PostgreSQL instance class, GiB: T classes by size, R classes 16 GiB at large and doubling. */
export function instanceMemoryGiB(instanceClass: string): number {
    const [, family, size] = instanceClass.split(".");
    const t: Record<string, number> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 };
    const r: Record<string, number> = {
        large: 16,
        xlarge: 32,
        "2xlarge": 64,
        "4xlarge": 128,
        "8xlarge": 256,
        "12xlarge": 384,
        "16xlarge": 512,
        "24xlarge": 768,
    };
    const memory = family?.startsWith("t") ? t[size] : family?.startsWith("r") ? r[size] : undefined;
    if (memory === undefined)
        throw new Error(`no connection limit known for the database instance class ${instanceClass}: add its memory to stacks/shop-runtime.ts`);
    return memory;
}

/** Aurora PostgreSQL's default max_connections: LEAST({DBInstanceClassMemory/9531392}, 5000). */
export function connectionLimit(instanceClass: string): number {
    return Math.min(Math.floor((instanceMemoryGiB(instanceClass) * 1e9) / 9531392), 5000);
}

/**
 * The most shop processes that may hold pools to one database at once: every fleet's (or
 * Deployment's) maximum, in every region (from stage 9 every region writes to the home
 * writer); Kubernetes rolls with a surge of 25% over it (an instance refresh of a fleet
 * does not go above its maximum).
 */
export function processesAtMost(config: StackConfig): number {
    const { stage } = config;
    if (!switchedOn(stage, "reverseProxy")) return 1;
    const perApp = switchedOn(stage, "containers") ? Math.ceil(config.sizing.fleetMaxSize * 1.25) : config.sizing.fleetMaxSize;
    const regions = switchedOn(stage, "multiRegion") ? config.regions.length : 1;
    return perApp * Object.keys(shopApps(stage.number)).length * regions;
}

/**
 * Connections in each of a process's pools (SHOP_DATABASE_POOL_MAX): the database's limit,
 * less a reserve for administration (RDS's own 3, people, migrations run by hand: a tenth,
 * at least 10), divided among the processes that may reach it at once; at least 2.
 */
export function databasePoolMax(instanceClass: string, processes: number): number {
    const limit = connectionLimit(instanceClass);
    const reserve = Math.max(10, Math.ceil(limit / 10));
    return Math.max(2, Math.floor((limit - reserve) / processes));
}

/**
 * What every shop process of a region is told about where it runs (issue 17): the proxies
 * whose X-Forwarded-For it may believe (the VPC's range: Nginx, the load balancers, the
 * gateway), the port of its metrics, and the size of its database pools.
 */
export function shopRuntimeWiring(config: StackConfig, cell: ServingCell): ServerWiring {
    return {
        domain: "shared",
        environment: {
            // The migrations run before the processes roll, in the domains' migration functions (stacks/migrations.ts).
            SHOP_MIGRATIONS: "external",
            SHOP_TRUSTED_PROXIES: cell.network.cidrBlock,
            SHOP_METRICS_PORT: String(shopMetricsPort),
            SHOP_DATABASE_POOL_MAX: String(databasePoolMax(config.sizing.databaseInstanceClass, processesAtMost(config))),
        },
        secrets: {},
        egressPorts: [],
    };
}
