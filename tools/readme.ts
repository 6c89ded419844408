/**
 * The README's generated tables. `npm run readme` rewrites them in place; a test fails
 * when the README and the code disagree, so the tables cannot go stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { alarmKinds, alarmRules } from "../components/observability/alarm-rules";
import { burnWindows, sloDefaults } from "../components/observability/shop-signals";
import { Stage, stages } from "../stacks/registry";
import { capacityModel } from "./capacity";
import { costLabel, costOf, usersAt } from "./cost";
import { priceDate, regionPrices } from "./prices";
import { defaultScenario, describeScenario, mixCost } from "./scenario";
import { Plan, planStack } from "./plan";
import { projectRoot } from "./project-root";

export const readmePath = path.join(projectRoot, "README.md");

/** Plans a stack at a stage: the offline plan, or the tests' plans made once for their run. */
export type Planner = (stack: string, stage: string) => Promise<Plan>;

/** Every stage's plan in dev and prod, made once for all the tables. */
async function allPlans(plan: Planner): Promise<Map<number, { dev: Plan; prod: Plan }>> {
    const plans = new Map<number, { dev: Plan; prod: Plan }>();
    for (const { number: stage } of stages) {
        // One after the other: the mock runtime is global to the process.
        const dev = await plan("dev", String(stage));
        const prod = await plan("prod", String(stage));
        plans.set(stage, { dev, prod });
    }
    return plans;
}

/** The fifteen stages, from the registry, with what each switches on (and where) and the resources each plans in dev and prod. */
function stageTable(plans: Map<number, { dev: Plan; prod: Plan }>): string {
    const rows = stages.map((s) => {
        const { dev, prod } = plans.get(s.number)!;
        return `| ${s.number} | \`${s.slug}\` | ${s.seedSection} | ${s.adds} | ${s.relieves} | ${switchesOnCell(s)} | ${dev.resources.length} / ${prod.resources.length} |`;
    });
    return [
        "| # | slug | seed | what it adds on AWS | what it relieves | switches on (built in) | resources (dev / prod) |",
        "|---|---|---|---|---|---|---|",
        ...rows,
    ].join("\n");
}

/** The README's cell for what a stage switches on: each capability and its file, or "-" for none. */
export function switchesOnCell(stage: Stage): string {
    const entries = Object.entries(stage.switchesOn);
    return entries.length === 0 ? "-" : entries.map(([capability, file]) => `\`${capability}\` (\`${file}\`)`).join(", ");
}

/** Per stage and stack, under the default scenario: the month at minimum size and at the scenario's load, users carried, cost per million page views; then the assumptions. */
function costTable(plans: Map<number, { dev: Plan; prod: Plan }>): string {
    const dollars = (n: number) => `$${Math.round(n).toLocaleString("en-US")}`;
    const count = (n: number) => Math.round(n).toLocaleString("en-US");
    const rows = stages.flatMap((s) =>
        (["dev", "prod"] as const).map((stack) => {
            const plan = plans.get(s.number)![stack];
            const cost = costOf(plan);
            const c = cost.capacity;
            const users = (pages: number | undefined) => (pages === undefined ? "-" : count(usersAt(pages, defaultScenario)));
            return `| ${s.number} \`${s.slug}\` | ${stack} | ${plan.resources.length} | ${dollars(cost.atMinimum)} | ${dollars(cost.atLoad)} | ${count(cost.pagesPerSecond)} | ${users(c.normal)} (${c.limitedBy}) | ${users(c.zoneLost)} | ${users(c.regionLost)} | $${cost.perMillionPageViews.toFixed(2)} |`;
        }),
    );
    const t = defaultScenario.traffic;
    const m = capacityModel;
    return [
        `**${costLabel}**`,
        "",
        "| stage | stack | resources | a month, minimum size | a month, scenario | page views/s | users (limited by) | one zone lost | one region lost | per million page views |",
        "|---|---|---|---|---|---|---|---|---|---|",
        ...rows,
        "",
        `Scenario (\`tools/scenario.ts\`): ${describeScenario(defaultScenario)}. Prices: on-demand, ${priceDate}, each resource at its own region's rates (${Object.keys(regionPrices).join(", ")}; \`tools/prices.ts\` cites the AWS page of each). Assumptions:`,
        "",
        ...[
            `A page view costs ${mixCost(defaultScenario.journeys).toFixed(2)} product pages of CPU: ${Object.entries(defaultScenario.journeys)
                .map(([name, j]) => `${name} ${j.cpu}× (${j.basis})`)
                .join("; ")}.`,
            `Application: ${m.appPagesPerVcpu.toLocaleString("en-US")} product pages/s per vCPU (\`npm run bench\`: one Node process, which runs its JavaScript on one thread, on a 2-vCPU machine shared with PostgreSQL and the load generator: at most one vCPU); a server is credited its vCPUs at its fleet's CPU target (a lone server at ${m.serverCpuTarget * 100}%), a pod its CPU request at its autoscaler's target. The application is the entry app every page view reaches; the services split from it (stage 11 on) are taken to keep up until measured.`,
            `Nginx: ${m.nginxRequestsPerVcpu.toLocaleString("en-US")} requests/s per vCPU (the seed's 50,000 users per Nginx at a 10 s think time, over 2 vCPUs; not measured). Databases: ${m.databaseQueriesPerVcpu.toLocaleString("en-US")} queries/s per vCPU (\`npm run bench\`, cache off), ${t.databaseQueries} query a page, an ACU taken as ${m.vcpusPerAcu} vCPU. Caches: ${m.cacheOperationsPerVcpu.toLocaleString("en-US")} operations/s per vCPU (assumed), ${t.cacheOperations} a page. Data tiers at ${m.dataCpuTarget * 100}% CPU. The smallest tier sets the users.`,
            "One zone lost: each fleet, Deployment and cluster spread evenly over its zones loses its largest share; a lone server, or a cache without a replica, loses all. One region lost (two regions, stage 9 on): the other region alone, at its minimum size.",
            `Traffic: ${t.responseBytes.toLocaleString("en-US")} bytes out a page (the HTML is 1.7-1.9 KB), ${t.requestBytes} in; ${t.pageViewsPerConnection} page views a connection; ${t.dataTierBytes.toLocaleString("en-US")} bytes to the data tier (2 of 3 across zones); Aurora ${t.auroraReadIo} read and ${t.auroraWriteIo} write I/O a page, ${t.auroraStorageGb} GB a cluster; ${t.replicatedBytes.toLocaleString("en-US")} bytes a page to each other region per global database or datastore; a ${t.logLineBytes}-byte log line a page where the app ships logs to CloudWatch (through NAT); ${t.flowRecordsPerConnectionMinute} flow log records of ${t.flowRecordBytes} bytes a connection a minute; ${t.eksControlPlaneLogGbPerDay} GB a day of EKS control plane logs; CPU credits of burstable fleets at their CPU target.`,
            "Across zones: an ALB's traffic to its targets is not billed, an NLB's with cross-zone balancing is (the ELB user guide, cross-zone load balancing); Aurora's storage replicates across zones at no charge.",
            "Not priced: ElastiCache's replication from primary to replica across zones, Route 53 queries, CloudWatch alarms of the autoscaling policies, SNS deliveries, Container Insights' log events (the pods' lines and the performance events, stages 14-15), log storage, RDS Enhanced Monitoring and database log exports, Secrets Manager API calls; node groups are priced at their minimum size (pods added by the load are taken to fit).",
        ].map((line) => `- ${line}`),
    ].join("\n");
}

/** The kind of each alarm of a plan (its `alarm` tag), counted. */
function alarmCounts(plan: Plan): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of plan.resources)
        if (r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" || r.type === "aws:cloudwatch/compositeAlarm:CompositeAlarm") {
            const kind = String((r.inputs.tags as Record<string, string> | undefined)?.alarm ?? "(untagged)");
            // The windows of a burn-rate alert are counted with it.
            if (/^slo-.+-(long|short)$/.test(kind)) continue;
            counts.set(kind, (counts.get(kind) ?? 0) + 1);
        }
    return counts;
}

/** Per stage, the alarms each stack plans, by kind (dev / prod); then each kind's default rule, from alarm-rules.ts. */
function alarmTable(plans: Map<number, { dev: Plan; prod: Plan }>): string {
    const sloKinds = ["availability", "latency"].flatMap((o) => burnWindows.map((w) => `slo-${o}-${w.key}`));
    const order = [...alarmKinds, ...sloKinds];
    const rows = stages.map((s) => {
        const { dev, prod } = plans.get(s.number)!;
        const [d, p] = [alarmCounts(dev), alarmCounts(prod)];
        const total = (c: Map<string, number>) => [...c.values()].reduce((a, b) => a + b, 0);
        const kinds = [...new Set([...d.keys(), ...p.keys()])]
            .sort((a, b) => order.indexOf(a) - order.indexOf(b))
            .map((k) => `\`${k}\` ${d.get(k) ?? 0}/${p.get(k) ?? 0}`);
        return `| ${s.number} \`${s.slug}\` | ${total(d)} / ${total(p)} | ${kinds.join(", ")} |`;
    });
    const rules = alarmKinds.map((k) => {
        const r = alarmRules[k];
        return `| \`${k}\` | ${r.threshold} | ${r.periodSeconds} s × ${r.evaluationPeriods} |`;
    });
    const slo = burnWindows.map(
        (w) =>
            `| \`slo-availability-${w.key}\`, \`slo-latency-${w.key}\` | ${w.burnRate}× the budget's rate | ${w.longSeconds / 60} min and ${w.shortSeconds / 60} min, both |`,
    );
    return [
        "| stage | alarms (dev / prod) | by kind (dev/prod) |",
        "|---|---|---|",
        ...rows,
        "",
        `Default rules (\`components/observability/alarm-rules.ts\`, each documented there; overridable in \`shop-evolution:alarms.rules\`), and the SLOs' burn-rate alerts (defaults: ${sloDefaults.availabilityPercent}% of answers without a 5xx, ${sloDefaults.latencyPercent}% within ${sloDefaults.latencyMs} ms; \`shop-evolution:slo\`):`,
        "",
        "| kind | threshold | period × evaluations |",
        "|---|---|---|",
        ...rules,
        ...slo,
    ].join("\n");
}

const generated: Record<string, (plans: Map<number, { dev: Plan; prod: Plan }>) => string> = { stages: stageTable, alarms: alarmTable, costs: costTable };

/** The README with every generated block replaced by its current content. */
export async function renderReadme(readme: string, plan: Planner = planStack): Promise<string> {
    const plans = await allPlans(plan);
    let text = readme;
    for (const [name, render] of Object.entries(generated)) {
        const begin = `<!-- generated:${name} -->`;
        const end = `<!-- /generated:${name} -->`;
        const start = text.indexOf(begin);
        const stop = text.indexOf(end);
        if (start < 0 || stop < start) throw new Error(`README.md has no ${begin} ... ${end} block`);
        text = `${text.slice(0, start + begin.length)}\n${render(plans)}\n${text.slice(stop)}`;
    }
    return text;
}

if (require.main === module) {
    void renderReadme(fs.readFileSync(readmePath, "utf8")).then((text) => fs.writeFileSync(readmePath, text));
}
