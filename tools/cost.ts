/**
 * Cost and capacity of a planned stack (`npm run plan -- --cost`): the monthly on-demand
 * cost of what it runs at its minimum size, from the price table, and the concurrent users
 * it carries, at its minimum and maximum size, from the capacity model below.
 */
import { Plan } from "./plan";
import { priceTable } from "./prices";

type Resource = Plan["resources"][number];

/**
 * The capacity model. One shop process serves `requestsPerSecondPerApp` product pages a
 * second (`npm run bench`: the PostgreSQL product page, on two cores shared with the load
 * generator); a shopper asks for a page every `thinkTimeSeconds`; `headroom` of the CPU stays
 * free for bursts. Nginx's figure is the seed article's (not measured here). The databases
 * and caches are taken to keep up: their limits are not modelled.
 */
export const capacityModel = { requestsPerSecondPerApp: 2476, thinkTimeSeconds: 10, headroom: 0.5, usersPerNginx: 50_000 };
export const usersPerApp = Math.floor(capacityModel.requestsPerSecondPerApp * capacityModel.thinkTimeSeconds * capacityModel.headroom);

/** Concurrent users a tier carries: the app servers' capacity, capped by the Nginx tier in front of them, if any. */
export function usersCarried(servers: { app: number; nginx?: number }, perInstance: { usersPerApp: number; usersPerNginx: number }): number {
    const app = servers.app * perInstance.usersPerApp;
    return servers.nginx === undefined ? app : Math.min(app, servers.nginx * perInstance.usersPerNginx);
}

export interface CostReport {
    /** Monthly cost at the minimum size, by line. */
    lines: { item: string; monthly: number }[];
    monthly: number;
    users: { min: number; max: number };
    /** Billable sizes the price table does not know. */
    unpriced: string[];
}

export function costOf(plan: Plan): CostReport {
    const p = priceTable;
    const hours = p.hoursPerMonth;
    const lines: CostReport["lines"] = [];
    const unpriced: string[] = [];
    const add = (item: string, monthly: number) => lines.push({ item, monthly });
    const hourly = (table: Record<string, number>, size: string) => {
        if (table[size] === undefined) unpriced.push(size);
        return table[size] ?? 0;
    };
    const of = (type: string) => plan.resources.filter((r) => r.type === type);
    const siblings = (r: Resource, type: string) => plan.resources.filter((s) => s.type === type && s.parent === r.parent);
    const inputs = (r: Resource) => r.inputs as Record<string, any>;

    for (const server of of("aws:ec2/instance:Instance")) add(`EC2 ${inputs(server).instanceType}`, hourly(p.ec2, inputs(server).instanceType) * hours);
    for (const volume of of("aws:ebs/volume:Volume")) add(`EBS ${inputs(volume).size} GiB`, inputs(volume).size * p.ebsGp3);
    for (const group of of("aws:autoscaling/group:Group")) {
        const template = inputs(siblings(group, "aws:ec2/launchTemplate:LaunchTemplate")[0]);
        const n = inputs(group).minSize;
        add(
            `${n} × EC2 ${template.instanceType} (${group.name})`,
            n * (hourly(p.ec2, template.instanceType) * hours + template.blockDeviceMappings[0].ebs.volumeSize * p.ebsGp3),
        );
    }
    for (const nodes of of("aws:eks/nodeGroup:NodeGroup")) {
        const n = inputs(nodes).scalingConfig.minSize;
        // The node group's launch template shares its name and sizes its root volume.
        const disk = inputs(siblings(nodes, "aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.name === nodes.name)!).blockDeviceMappings[0].ebs.volumeSize;
        add(`${n} × EKS node ${inputs(nodes).instanceTypes[0]} (${nodes.name})`, n * (hourly(p.ec2, inputs(nodes).instanceTypes[0]) * hours + disk * p.ebsGp3));
    }
    for (let i = of("aws:eks/cluster:Cluster").length; i > 0; i--) add("EKS control plane", p.eksCluster * hours);
    for (const instance of of("aws:rds/clusterInstance:ClusterInstance")) {
        const size = inputs(instance).instanceClass;
        const serverless = siblings(instance, "aws:rds/cluster:Cluster")
            .map((c) => inputs(c).serverlessv2ScalingConfiguration)
            .find(Boolean);
        add(
            `Aurora ${size} (${instance.name})`,
            size === "db.serverless" ? (serverless?.minCapacity ?? 0.5) * p.auroraAcuHour * hours : hourly(p.rds, size) * hours,
        );
    }
    for (const group of of("aws:elasticache/replicationGroup:ReplicationGroup")) {
        // A global datastore's secondary runs its primary's node type.
        const nodeType =
            inputs(group).nodeType ??
            siblings(group, "aws:elasticache/replicationGroup:ReplicationGroup")
                .map((g) => inputs(g).nodeType)
                .find(Boolean);
        const nodes = inputs(group).numCacheClusters ?? inputs(group).numNodeGroups * (inputs(group).replicasPerNodeGroup + 1);
        add(`${nodes} × ElastiCache ${nodeType} (${group.name})`, nodes * hourly(p.elasticache, nodeType) * hours);
    }
    for (const domain of of("aws:opensearch/domain:Domain")) {
        const c = inputs(domain).clusterConfig;
        const data = c.instanceCount * (hourly(p.opensearch, c.instanceType) * hours + inputs(domain).ebsOptions.volumeSize * p.opensearchGp3);
        const masters = c.dedicatedMasterEnabled ? c.dedicatedMasterCount * hourly(p.opensearch, c.dedicatedMasterType) * hours : 0;
        add(`OpenSearch ${c.instanceCount} × ${c.instanceType}${c.dedicatedMasterEnabled ? ` + ${c.dedicatedMasterCount} masters` : ""}`, data + masters);
    }
    const count = (type: string, item: string, monthlyEach: number) => {
        const n = of(type).length;
        if (n > 0) add(`${n} × ${item}`, n * monthlyEach);
    };
    count("aws:ec2/natGateway:NatGateway", "NAT gateway", p.natGateway * hours);
    count("aws:lb/loadBalancer:LoadBalancer", "load balancer", p.loadBalancer * hours);
    count("aws:ec2/eip:Eip", "public IPv4 address", p.publicIpv4 * hours);
    count("aws:route53/healthCheck:HealthCheck", "Route 53 health check", p.healthCheck);
    count("aws:secretsmanager/secret:Secret", "secret", p.secret);
    count("aws:kms/key:Key", "KMS key", p.kmsKey);

    return { lines, monthly: lines.reduce((sum, l) => sum + l.monthly, 0), users: capacity(plan), unpriced: [...new Set(unpriced)] };
}

/** Users the stack carries at its minimum and maximum size: its entry app servers (or pods), behind its Nginx tier. */
function capacity(plan: Plan): { min: number; max: number } {
    const per = { usersPerApp, usersPerNginx: capacityModel.usersPerNginx };
    const named = (type: string, name: RegExp) =>
        plan.resources.filter((r) => r.type === type && name.test(r.name)).map((r) => r.inputs as Record<string, any>);
    if (plan.resources.some((r) => r.type === "aws:ec2/instance:Instance")) return { min: usersCarried({ app: 1 }, per), max: usersCarried({ app: 1 }, per) };
    const sum = (items: Record<string, any>[], key: string) => items.reduce((total, i) => total + Number(i[key]), 0);
    // The entry app: the single application fleet, or the one Nginx sends its pages to (`shop-app-fleet-*`, the `shop` Deployment's autoscaler).
    const fleets = { app: named("aws:autoscaling/group:Group", /^shop-app-fleet-/), nginx: named("aws:autoscaling/group:Group", /^shop-nginx-/) };
    // No Nginx tier in front: the app servers alone set the capacity.
    const inFront = (n: number, tier: unknown[]) => (tier.length > 0 ? n : undefined);
    if (fleets.app.length > 0) {
        return {
            min: usersCarried({ app: sum(fleets.app, "minSize"), nginx: inFront(sum(fleets.nginx, "minSize"), fleets.nginx) }, per),
            max: usersCarried({ app: sum(fleets.app, "maxSize"), nginx: inFront(sum(fleets.nginx, "maxSize"), fleets.nginx) }, per),
        };
    }
    const scalers = plan.resources
        .filter((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
        .map((r) => ({ name: r.name, spec: (r.inputs as { spec: { minReplicas: number; maxReplicas: number } }).spec }));
    const app = scalers.filter((s) => /^shop-[a-z]{2}-[a-z]+-\d$/.test(s.name));
    const nginx = scalers.filter((s) => s.name.startsWith("nginx-"));
    return {
        min: usersCarried(
            {
                app: app.reduce((t, s) => t + s.spec.minReplicas, 0),
                nginx: inFront(
                    nginx.reduce((t, s) => t + s.spec.minReplicas, 0),
                    nginx,
                ),
            },
            per,
        ),
        max: usersCarried(
            {
                app: app.reduce((t, s) => t + s.spec.maxReplicas, 0),
                nginx: inFront(
                    nginx.reduce((t, s) => t + s.spec.maxReplicas, 0),
                    nginx,
                ),
            },
            per,
        ),
    };
}

/** The report for a reader: every line, the total, the users and the cost per thousand of them. */
/**
 * What the figures are, said wherever they are shown, so that nobody budgets from them as they stand:
 * no usage charges (egress, load balancer capacity units, inter-zone and inter-region traffic, I/O,
 * logs), and capacity credited from one benchmark figure.
 */
export const costLabel =
    "Fixed monthly floor at minimum size; usage charges excluded (internet egress, load balancer capacity units, inter-zone and inter-region traffic, I/O, logs), and users credited from one benchmark figure: not a budget.";

export function renderCost(plan: Plan, report: CostReport): string {
    const money = (n: number) => `$${n.toFixed(2)}`;
    return [
        costLabel,
        `${plan.stack} stage ${plan.stage.number} (${plan.stage.slug}), at its minimum size, on-demand ${priceTable.region} prices of ${priceTable.date}:`,
        ...report.lines.map((l) => `  ${money(l.monthly).padStart(11)}  ${l.item}`),
        `  ${money(report.monthly).padStart(11)}  a month in all (usage-priced parts not included)`,
        `  carries ${report.users.min.toLocaleString("en-US")} concurrent users at its minimum size, ${report.users.max.toLocaleString("en-US")} at its maximum (${usersPerApp.toLocaleString("en-US")} per app server, ${capacityModel.usersPerNginx.toLocaleString("en-US")} per Nginx)`,
        `  ${money((report.monthly / report.users.min) * 1000)} a month per thousand users at its minimum size`,
        ...(report.unpriced.length > 0 ? [`  not in the price table (counted as $0): ${report.unpriced.join(", ")}`] : []),
    ].join("\n");
}
