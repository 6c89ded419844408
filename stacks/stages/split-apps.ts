import * as pulumi from "@pulumi/pulumi";
import { AppFleet } from "../../components/compute/app-fleet";
import { LoadBalancer } from "../../components/edge/load-balancer";
import { StackConfig } from "../config";
import { ServingCell } from "../region-cell";
import { regionCode } from "../region-code";
import { mergedEnvironment, mergedStatements, ownedWirings, secretRefs, ServerWiring } from "../server-wiring";
import { modulePathPatterns, wiredDomains, routedModules, serviceUrlsFor, ShopApp, shopApps } from "../service-layout";
import { sharedConfig } from "../shared-config";
import { collectsTraces } from "../tracing";

/** What a region's application tier is: its fleets, and the internal load balancers in front of them. */
export interface AppTier {
    /** Nginx's upstream: the entry app, and from stage 11 the other apps' API paths. */
    internal: LoadBalancer;
    /** From stage 12: the services, reached by the gateway through their API paths. */
    services?: LoadBalancer;
    fleets: Record<string, AppFleet>;
}

/**
 * The shop's fleets in one region, cut as `shopApps` says for the stage. Stages 4-10: one
 * application fleet behind the internal ALB. Stage 11 (seed 3.11): an app per business line,
 * the internal ALB sending each its API paths, and the configuration they share in SSM
 * Parameter Store instead of each fleet's first-boot script. Stages 12-13 (3.12, 3.13): the
 * services behind an ALB of their own (`shop-svc-<region code>`), reached only by the entry
 * app's gateway module, which forwards their routes with timeouts, retries and circuit
 * breakers (`SHOP_SERVICE_URL_<MODULE>`).
 *
 * From stage 11 each fleet gets only what its domains own (stacks/ownership.ts): their
 * variables, their secrets (and a role that reads only those), the IAM statements and ports of
 * their stores, and it wears the app's own group (`appGroups`), which only those stores admit;
 * what every process shares (Redis, the session key, the runtime settings) is in the shared
 * configuration. Before, the one fleet owns everything.
 */
export function appTier(
    config: StackConfig,
    cell: ServingCell,
    wirings: ServerWiring[],
    image: pulumi.Input<string>,
    egressPeers?: Record<string, string>,
    after: pulumi.Resource[] = [],
): AppTier {
    const { region, network, provider } = cell;
    const apps = Object.entries(shopApps(config.stage.number));
    const split = apps.length > 1;
    const code = regionCode(region);
    // The internal ALB's default is the entry app (pages, assets); the services ALB routes every module by path.
    const balancer = (name: string, members: [string, ShopApp][], routed: [string, ShopApp][]) =>
        new LoadBalancer(
            name,
            {
                type: "application",
                internal: true,
                vpcId: network.vpcId,
                vpcCidr: network.cidrBlock,
                subnetIds: network.privateSubnetIds,
                targetGroups: Object.fromEntries(members.map(([key]) => [key, { port: 8080 }])),
                defaultTargetGroup: members[0][0],
                routes: pathRoutes(routed),
                // They hold no data, and stage 14 removes them: AWS refuses to delete a protected load balancer.
                deletionProtection: false,
                // The edge's access logs record every client request; these inner hops would add cost, not
                // knowledge, and buckets that stage 14 (which retires these ALBs) would have to keep.
                accessLogDays: 0,
                alarms: cell.alarms,
            },
            { provider },
        );
    const nginxSide = apps.filter(([, app]) => app.reachedBy !== "service");
    const internal = balancer(`shop-int-${code}`, nginxSide, nginxSide.slice(1));
    const serviceApps = apps.filter(([, app]) => app.reachedBy === "service");
    const services = serviceApps.length > 0 ? balancer(`shop-svc-${code}`, serviceApps, serviceApps) : undefined;

    const environment = { SHOP_REGION: region, ...mergedEnvironment(wirings) };
    // Stage 11: the topology every fleet shares lives in SSM Parameter Store; each domain's stays with its owners.
    const shared = split ? sharedConfig(region, { SHOP_REGION: region, ...mergedEnvironment(ownedWirings(wirings, [])) }, provider) : undefined;
    // Where each app is reached by the others (the gateway, the catalog's callers, the storefront): on the services'
    // load balancer when it is a service (stages 12-13), else on the internal one (its default target, or its API paths).
    const urlOf = (key: string) =>
        apps.find(([k]) => k === key)![1].reachedBy === "service"
            ? pulumi.interpolate`http://${services!.dnsName}`
            : pulumi.interpolate`http://${internal.dnsName}`;
    const fleets = Object.fromEntries(
        apps.map(([key, app]) => {
            const behind = app.reachedBy === "service" ? services! : internal;
            const own = split ? ownedWirings(wirings, wiredDomains(app)) : wirings;
            const domains = own.filter((w) => w.domain !== "shared");
            const fleet = new AppFleet(
                key === "app" ? `shop-app-fleet-${region}` : `shop-${key}-fleet-${region}`,
                {
                    vpcId: network.vpcId,
                    vpcCidr: network.cidrBlock,
                    subnetIds: network.privateSubnetIds,
                    image,
                    environment: split
                        ? {
                              SHOP_MODULES: app.modules.join(","),
                              ...mergedEnvironment(domains),
                              ...serviceUrlsFor(apps, key, urlOf),
                          }
                        : environment,
                    sharedConfig: shared,
                    traceCollector: collectsTraces(wirings),
                    secrets: secretRefs(own),
                    statements: mergedStatements(own),
                    securityGroupIds: [cell.appGroups[key]],
                    egressPeers,
                    // The gateway calls the services, the catalog's callers the catalog, the storefront its pages' services, on port 80 of their load balancer.
                    egressInVpc: [...own.flatMap((w) => w.egressPorts), ...(Object.keys(serviceUrlsFor(apps, key, urlOf)).length > 0 ? [80] : [])],
                    rdsCertificates: own.some((w) => w.rdsCertificates),
                    allowedSecurityGroups: { lb: behind.securityGroupId },
                    targetGroupArns: [behind.targetGroupArns[key]],
                    logRetentionDays: config.sizing.logRetentionDays,
                    minSize: config.sizing.fleetMinSize,
                    maxSize: config.sizing.fleetMaxSize,
                    alarms: cell.alarms,
                },
                { provider, dependsOn: after },
            );
            return [key, fleet];
        }),
    );
    return { internal, services, fleets };
}

/** A listener rule a module of the apps named, sending its API paths to the app's target group; priorities from 100 in steps of 10. */
function pathRoutes(apps: [string, ShopApp][]) {
    return Object.fromEntries(
        routedModules(apps).map(([key, module], i) => [module, { pathPatterns: modulePathPatterns(module), targetGroup: key, priority: 100 + 10 * i }]),
    );
}
