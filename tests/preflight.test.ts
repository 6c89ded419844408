import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stages } from "../stacks/registry";
import { Plan } from "../tools/plan";
import { diffPlans } from "../tools/plan-diff";
import { preflight, PreflightOptions } from "../tools/preflight";
import {
    ArgumentConstraint,
    argumentSpecs,
    constraintProblems,
    leftOutTypes,
    namelessTypes,
    nameRules,
    nameSpecs,
    PlanResource,
    preconditionRules,
    preflightRules,
    tagRule,
    argumentRules,
} from "../tools/preflight-rules";
import { projectRoot } from "../tools/project-root";
import { sharedPlan } from "./support/shared-plans";

const resource = (type: string, inputs: Record<string, unknown>, extra: Partial<PlanResource> = {}): PlanResource => {
    const name = extra.name ?? "r";
    return {
        urn: `urn:pulumi:test::shop-evolution::${type}::${name}`,
        type,
        name,
        parent: null,
        region: "us-east-1",
        protect: false,
        retainOnDelete: false,
        inputs,
        dependsOn: [],
        ...extra,
    };
};
const planOf = (resources: PlanResource[], stack = "dev", stage = 1): Plan => ({
    project: "shop-evolution",
    stack,
    stage: { number: stage, slug: "test" },
    resources,
    outputs: {},
});
const today = new Date("2026-11-30T00:00:00Z");
const violationsOf = (rule: string, resources: PlanResource[], options: PreflightOptions = {}) =>
    preflight(planOf(resources), { now: today, ...options }).filter((v) => v.rule === rule);

// ---------------------------------------------------------------------------------------------
// The API preconditions, each both ways
// ---------------------------------------------------------------------------------------------

interface Case {
    resources: PlanResource[];
    previous?: PlanResource[];
}
const launchTemplate = "aws:ec2/launchTemplate:LaunchTemplate";
const rdsCluster = "aws:rds/cluster:Cluster";
const globalCluster = resource(
    "aws:rds/globalCluster:GlobalCluster",
    {},
    { name: "g", dependsOn: [`urn:pulumi:test::shop-evolution::${rdsCluster}::primary`] },
);
const primary = resource(rdsCluster, { storageEncrypted: true }, { name: "primary" });
const secondary = (inputs: Record<string, unknown>, region = "eu-west-1") =>
    resource(
        rdsCluster,
        { globalClusterIdentifier: "(known after apply)", storageEncrypted: true, ...inputs },
        { name: "secondary", region, dependsOn: [globalCluster.urn] },
    );
const schedule = (inputs: Record<string, unknown>) => resource("aws:autoscaling/schedule:Schedule", { scheduledActionName: "peak-end", ...inputs });
const loadBalancer = (inputs: Record<string, unknown>) => resource("aws:lb/loadBalancer:LoadBalancer", inputs, { name: "shop-int-use1" });
const targetGroup = (tags: Record<string, string>) => resource("aws:lb/targetGroup:TargetGroup", { tags }, { name: "edge-nginx" });
const bindingType = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding";
const binding = (dependsOn: string[]) => resource(bindingType, { kind: "TargetGroupBinding" }, { name: "nginx", dependsOn });
const release = resource("kubernetes:helm.sh/v3:Release", { chart: "aws-load-balancer-controller" }, { name: "lb-controller" });
const namespace = resource("kubernetes:core/v1:Namespace", {}, { name: "shop", dependsOn: [release.urn] });
const service = (dependsOn: string[]) => resource("kubernetes:core/v1:Service", { spec: { type: "ClusterIP" } }, { name: "shop", dependsOn });
const eks = (version?: string) => resource("aws:eks/cluster:Cluster", version === undefined ? {} : { version }, { name: "shop-us-east-1" });
const pinnedCluster = resource(rdsCluster, { engineVersion: "16.6" }, { name: "pinned" });
const writerOf = (inputs: Record<string, unknown>) =>
    resource("aws:rds/clusterInstance:ClusterInstance", { engineVersion: "16", ...inputs }, { name: "writer", dependsOn: [pinnedCluster.urn] });
const cache = (inputs: Record<string, unknown>) => resource("aws:elasticache/replicationGroup:ReplicationGroup", inputs, { name: "shop-cache" });
const tcpTargetGroup = (inputs: Record<string, unknown>) => resource("aws:lb/targetGroup:TargetGroup", inputs, { name: "shop-edge-nginx" });
const reader = (inputs: Record<string, unknown>) => resource("aws:rds/clusterInstance:ClusterInstance", inputs, { name: "shop-db-reader-1" });

const lambdaFunction = (inputs: Record<string, unknown>, dependsOn: string[] = []) =>
    resource("aws:lambda/function:Function", { packageType: "Image", ...inputs }, { name: "shop-migrate-orders-us-east-1", dependsOn });
const digestIn = (region: string) => `123456789012.dkr.ecr.${region}.amazonaws.com/shop@sha256:${"a".repeat(64)}`;
const vpcAccess = resource(
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    { policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole" },
    { name: "shop-migrate-orders-us-east-1" },
);
const cni = (values: Record<string, unknown>) =>
    resource("aws:eks/addon:Addon", { addonName: "vpc-cni", configurationValues: JSON.stringify(values) }, { name: "shop-us-east-1-vpc-cni" });
const vpcResourceController = resource(
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    { policyArn: "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController" },
    { name: "shop-us-east-1-vpc-resources" },
);
const nodes = (instanceTypes: string[]) => resource("aws:eks/nodeGroup:NodeGroup", { instanceTypes }, { name: "shop-us-east-1-general" });
const podGroups = resource("kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy", {}, { name: "shop-us-east-1", region: undefined });
const networkPolicy = resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", {}, { name: "shop-us-east-1", region: undefined });
const podEni = { env: { ENABLE_POD_ENI: "true" } };

const fisTemplate = (arns: number, key = "Clusters", selectionMode = "ALL") =>
    resource(
        "aws:fis/experimentTemplate:ExperimentTemplate",
        {
            targets: [
                {
                    name: "Clusters1",
                    resourceType: "aws:rds:cluster",
                    selectionMode,
                    resourceArns: Array.from({ length: arns }, (_, i) => `arn:aws:rds:us-east-1:1:cluster:c${i}`),
                },
            ],
            actions: [{ name: "failover", actionId: "aws:rds:failover-db-cluster", target: { key, value: "Clusters1" } }],
            stopConditions: [{ source: "aws:cloudwatch:alarm", value: "arn:aws:cloudwatch:us-east-1:1:alarm:a" }],
        },
        { name: "shop-faults-database-failover" },
    );

const preconditionCases: Record<string, { breaks: Case[]; keeps: Case[] }> = {
    "fis-template-shape": {
        breaks: [{ resources: [fisTemplate(6)] }, { resources: [fisTemplate(2, "DBClusters")] }, { resources: [fisTemplate(2, "Clusters", "HALF")] }],
        keeps: [{ resources: [fisTemplate(5)] }, { resources: [fisTemplate(1, "Clusters", "PERCENT(50)")] }],
    },
    "lambda-image-from-another-region": {
        breaks: [
            { resources: [lambdaFunction({ imageUri: digestIn("eu-west-1") })] },
            { resources: [lambdaFunction({ imageUri: "docker.io/library/node:22" })] },
        ],
        keeps: [
            { resources: [lambdaFunction({ imageUri: digestIn("us-east-1") })] },
            { resources: [lambdaFunction({ imageUri: "pending" })] },
            { resources: [lambdaFunction({ imageUri: "(known after apply)" })] },
        ],
    },
    "lambda-in-vpc-without-interface-rights": {
        breaks: [{ resources: [lambdaFunction({ vpcConfig: { subnetIds: ["a", "b"] } })] }],
        keeps: [{ resources: [vpcAccess, lambdaFunction({ vpcConfig: { subnetIds: ["a", "b"] } }, [vpcAccess.urn])] }, { resources: [lambdaFunction({})] }],
    },
    "pod-security-groups-without-pod-eni": {
        breaks: [
            { resources: [cni({}), vpcResourceController, nodes(["m6i.large"]), podGroups] },
            { resources: [cni(podEni), nodes(["m6i.large"]), podGroups] },
            { resources: [cni(podEni), vpcResourceController, nodes(["t3.large"]), podGroups] },
            { resources: [podGroups] },
        ],
        keeps: [{ resources: [cni(podEni), vpcResourceController, nodes(["m6i.large"]), podGroups] }],
    },
    "network-policy-not-enforced": {
        breaks: [
            { resources: [cni({}), networkPolicy] },
            { resources: [cni({ enableNetworkPolicy: "false" }), networkPolicy] },
            { resources: [networkPolicy] },
        ],
        keeps: [{ resources: [cni({ enableNetworkPolicy: "true" }), networkPolicy] }],
    },
    "launch-template-tag-specification-without-tags": {
        breaks: [
            {
                resources: [
                    resource(launchTemplate, {
                        tagSpecifications: [
                            { resourceType: "instance", tags: { Name: "a" } },
                            { resourceType: "volume", tags: {} },
                        ],
                    }),
                ],
            },
            { resources: [resource(launchTemplate, { tagSpecifications: [{ resourceType: "volume" }] })] },
        ],
        keeps: [
            { resources: [resource(launchTemplate, { tagSpecifications: [{ resourceType: "volume", tags: { Name: "a" } }] })] },
            { resources: [resource(launchTemplate, {})] },
        ],
    },
    "global-secondary-cluster-without-kms-key": {
        breaks: [{ resources: [primary, globalCluster, secondary({})] }],
        keeps: [
            { resources: [primary, globalCluster, secondary({ kmsKeyId: "(known after apply)" })] },
            // In the primary's own Region, the primary's key serves.
            { resources: [primary, globalCluster, secondary({}, "us-east-1")] },
            { resources: [primary, globalCluster, secondary({ storageEncrypted: false })] },
        ],
    },
    "scheduled-action-capacity": {
        breaks: [
            { resources: [schedule({ minSize: 3, maxSize: 10 })] },
            { resources: [schedule({ minSize: 3, maxSize: 10, desiredCapacity: 2 })] },
            { resources: [schedule({ minSize: 3, maxSize: 10, desiredCapacity: 11 })] },
            { resources: [schedule({ desiredCapacity: 3, maxSize: 10 })] },
        ],
        keeps: [
            { resources: [schedule({ minSize: 3, maxSize: 10, desiredCapacity: 3 })] },
            { resources: [schedule({ minSize: 3, maxSize: 10, desiredCapacity: -1 })] },
        ],
    },
    "deletion-protected-load-balancer-removed": {
        breaks: [{ previous: [loadBalancer({ enableDeletionProtection: true })], resources: [] }],
        keeps: [
            { previous: [loadBalancer({ enableDeletionProtection: false })], resources: [] },
            { previous: [loadBalancer({ enableDeletionProtection: true })], resources: [loadBalancer({ enableDeletionProtection: true })] },
        ],
    },
    "internal-load-balancer-deletion-protection": {
        breaks: [{ resources: [loadBalancer({ internal: true, enableDeletionProtection: true })] }],
        keeps: [
            { resources: [loadBalancer({ internal: true, enableDeletionProtection: false })] },
            { resources: [loadBalancer({ internal: false, enableDeletionProtection: true })] },
        ],
    },
    "target-group-without-controller-tag": {
        breaks: [{ resources: [targetGroup({ Name: "nginx" }), binding([targetGroup({}).urn, release.urn]), release] }],
        keeps: [{ resources: [targetGroup({ "elbv2.k8s.aws/cluster": "shop-dev-us-east-1" }), binding([targetGroup({}).urn, release.urn]), release] }],
    },
    "load-balancer-controller-object-before-release": {
        breaks: [
            { resources: [release, binding([])] },
            { resources: [release, service([])] },
            // A binding needs the controller's CRD even where no release is planned.
            { resources: [binding([])] },
        ],
        keeps: [
            { resources: [release, binding([release.urn])] },
            // Through what it depends on: the namespace waits for the release.
            { resources: [release, namespace, service([namespace.urn])] },
            // Without the controller, a Service meets no webhook.
            { resources: [service([])] },
        ],
    },
    "eks-version-out-of-standard-support": {
        breaks: [{ resources: [eks("1.34")] }, { resources: [eks("1.33")] }, { resources: [eks("1.99")] }, { resources: [eks()] }],
        keeps: [{ resources: [eks("1.35")] }],
    },
    "instance-class-change-waits": {
        breaks: [{ previous: [reader({ instanceClass: "db.r6g.large" })], resources: [reader({ instanceClass: "db.serverless" })] }],
        keeps: [
            { previous: [reader({ instanceClass: "db.r6g.large" })], resources: [reader({ instanceClass: "db.serverless", applyImmediately: true })] },
            { previous: [reader({ instanceClass: "db.r6g.large" })], resources: [reader({ instanceClass: "db.r6g.large" })] },
            { resources: [reader({ instanceClass: "db.serverless" })] },
        ],
    },
    "engine-minor-pinned-with-automatic-upgrades": {
        breaks: [
            { resources: [reader({ engineVersion: "16.6" })] },
            { resources: [reader({ engineVersion: "16.6", autoMinorVersionUpgrade: true })] },
            // The cluster's pinned minor, upgraded with its instances.
            { resources: [pinnedCluster, writerOf({})] },
        ],
        keeps: [
            { resources: [reader({ engineVersion: "16" })] },
            { resources: [reader({ engineVersion: "16.6", autoMinorVersionUpgrade: false })] },
            { resources: [pinnedCluster, writerOf({ autoMinorVersionUpgrade: false })] },
        ],
    },
    "replication-group-failover": {
        breaks: [
            { resources: [cache({ multiAzEnabled: true, automaticFailoverEnabled: false })] },
            { resources: [cache({ automaticFailoverEnabled: true, numCacheClusters: 1 })] },
        ],
        keeps: [
            { resources: [cache({ multiAzEnabled: true, automaticFailoverEnabled: true, numCacheClusters: 2 })] },
            { resources: [cache({ numCacheClusters: 1 })] },
        ],
    },
    "target-group-tcp-health-check": {
        breaks: [
            { resources: [tcpTargetGroup({ protocol: "TCP", healthCheck: { protocol: "TCP", path: "/healthz" } })] },
            { resources: [tcpTargetGroup({ protocol: "HTTP", healthCheck: { protocol: "TCP" } })] },
        ],
        keeps: [
            { resources: [tcpTargetGroup({ protocol: "TCP", healthCheck: { protocol: "TCP" } })] },
            { resources: [tcpTargetGroup({ protocol: "TCP", healthCheck: { protocol: "HTTP", path: "/healthz", matcher: "200" } })] },
        ],
    },
};

const run = (rule: string, c: Case) => violationsOf(rule, c.resources, c.previous ? { previous: planOf(c.previous) } : {});

describe("the preflight's API preconditions", () => {
    it("has a case for every precondition rule", () => {
        expect(Object.keys(preconditionCases).sort()).toEqual(preconditionRules.map((r) => r.id).sort());
    });

    it.each(Object.keys(preconditionCases))("%s fails every plan that breaks it, and passes those that keep it", (rule) => {
        for (const c of preconditionCases[rule].breaks)
            expect([c.resources.map((r) => r.name), run(rule, c).length > 0]).toEqual([c.resources.map((r) => r.name), true]);
        for (const c of preconditionCases[rule].keeps) expect(run(rule, c)).toEqual([]);
    });

    it("names a rule's source and the error it prevents on every violation", () => {
        const [v] = run("scheduled-action-capacity", preconditionCases["scheduled-action-capacity"].breaks[0]);
        expect(v).toMatchObject({ type: "aws:autoscaling/schedule:Schedule", name: "r", message: expect.stringContaining("desiredCapacity is unset") });
        expect(v.prevents).toContain("ValidationError");
        expect(v.source).toContain("internal/service/autoscaling/schedule.go");
    });
});

// ---------------------------------------------------------------------------------------------
// Naming rules, both ways, given and generated
// ---------------------------------------------------------------------------------------------

/** Sets a dotted property. */
const withProperty = (property: string, value: unknown): Record<string, unknown> =>
    property
        .split(".")
        .reverse()
        .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;

describe("the preflight's naming rules", () => {
    it.each(nameSpecs.map((spec) => [`${spec.type} ${spec.property}`, spec] as const))(
        "%s: a name past the rule fails, a short plain one passes",
        (_, spec) => {
            const rule = nameRules[nameSpecs.indexOf(spec)].id;
            const tooLong = "a".repeat(spec.max + 1);
            expect(violationsOf(rule, [resource(spec.type, withProperty(spec.property, tooLong))]).map((v) => v.message)).toContainEqual(
                expect.stringContaining(`at most ${spec.max}`),
            );
            expect(violationsOf(rule, [resource(spec.type, withProperty(spec.property, "shop-a1"))])).toEqual([]);
            if (spec.characters) expect(violationsOf(rule, [resource(spec.type, withProperty(spec.property, "shop!a1"))]).length).toBeGreaterThan(0);
            // An unknown name cannot be checked offline.
            expect(violationsOf(rule, [resource(spec.type, withProperty(spec.property, "(known after apply)"))])).toEqual([]);
        },
    );

    it.each(nameSpecs.filter((spec) => spec.generated).map((spec) => [`${spec.type} ${spec.property}`, spec] as const))(
        "%s: a generated name counts Pulumi's suffix",
        (_, spec) => {
            const rule = nameRules[nameSpecs.indexOf(spec)].id;
            const suffix = spec.generated!.suffix + 1;
            // The longest resource name whose generated name still fits, and one more character.
            const fits = resource(spec.type, {}, { name: "a".repeat(spec.max - suffix) });
            const overflows = resource(spec.type, {}, { name: "a".repeat(spec.max - suffix + 1) });
            expect(violationsOf(rule, [fits])).toEqual([]);
            const [v] = violationsOf(rule, [overflows]);
            expect(v.message).toContain(`Pulumi's ${spec.generated!.suffix}-character suffix`);
            expect(v.message).toContain(`at most ${spec.max}`);
        },
    );

    it("lower-cases a generated name where the provider does, and checks the case where it does not", () => {
        const bucket = nameRules.find((r) => r.id === "name:s3-bucket:bucket")!.id;
        expect(violationsOf(bucket, [resource("aws:s3/bucket:Bucket", {}, { name: "Shop-Media" })])).toEqual([]);
        const subnetGroup = nameRules.find((r) => r.id === "name:rds-subnetGroup:name")!.id;
        expect(violationsOf(subnetGroup, [resource("aws:rds/subnetGroup:SubnetGroup", {}, { name: "Shop-DB" })])).toHaveLength(1);
    });

    it("checks DNS names label by label", () => {
        const record = "name:route53-record:name";
        expect(violationsOf(record, [resource("aws:route53/record:Record", { name: `${"a".repeat(64)}.example.com` })])[0].message).toContain("label of 64");
        expect(violationsOf(record, [resource("aws:route53/record:Record", { name: "shop.example.com." })])).toEqual([]);
    });

    it("checks tags on every AWS resource and in tag specifications, and passes plain ones", () => {
        const bad = { tags: { ["k".repeat(129)]: "v", "aws:owner": "x" }, tagSpecifications: [{ resourceType: "instance", tags: { Name: "v".repeat(257) } }] };
        expect(violationsOf(tagRule.id, [resource(launchTemplate, bad)]).map((v) => v.message)).toEqual([
            expect.stringContaining("129 characters"),
            expect.stringContaining("aws:"),
            expect.stringContaining("257 characters"),
        ]);
        expect(violationsOf(tagRule.id, [resource(launchTemplate, { tags: { project: "shop-evolution" } })])).toEqual([]);
    });
});

// ---------------------------------------------------------------------------------------------
// Conflicting and required-together arguments, both ways
// ---------------------------------------------------------------------------------------------

/** Inputs that break a constraint, and inputs that keep it. */
function casesOf(c: ArgumentConstraint): { breaks: Record<string, unknown>[]; keeps: Record<string, unknown> } {
    const block = (values: Record<string, unknown>) => (c.within ? withProperty(c.within, values) : values);
    const set = (...names: string[]) => block(Object.fromEntries(names.map((n) => [n, false])));
    switch (c.kind) {
        case "conflicts":
            return { breaks: c.with.map((other) => set(c.argument, other)), keeps: set(c.argument) };
        case "requiredWith":
            return { breaks: [set(c.argument)], keeps: set(c.argument, ...c.with) };
        case "exactlyOne":
            return { breaks: [set(), set(c.arguments[0], c.arguments[1])], keeps: set(c.arguments[0]) };
        case "atLeastOne":
            return { breaks: [set()], keeps: set(c.arguments[0]) };
    }
}

const constraintCases = argumentSpecs.flatMap((spec) => spec.constraints.map((c) => [`${spec.type} ${JSON.stringify(c).slice(0, 90)}`, spec.type, c] as const));

describe("the preflight's argument rules", () => {
    it.each(constraintCases)("%s: breaking inputs fail, keeping ones pass", (_, type, c) => {
        const { breaks, keeps } = casesOf(c);
        for (const inputs of breaks) expect([inputs, constraintProblems(inputs, c).length]).toEqual([inputs, 1]);
        expect(constraintProblems(keeps, c)).toEqual([]);
        // The rule of the type runs the constraint.
        const rule = argumentRules.find((r) => r.types.includes(type))!;
        expect(violationsOf(rule.id, [resource(type, breaks[0])]).length).toBeGreaterThan(0);
    });

    it("counts false as set, as the provider does (terraform-provider-aws#32002)", () => {
        const [v] = violationsOf("arguments:rds-cluster", [resource(rdsCluster, { manageMasterUserPassword: false, masterPassword: "[secret]" })]);
        expect(v.message).toContain('"manageMasterUserPassword": conflicts with masterPassword');
        expect(v.source).toContain("internal/service/rds/cluster.go");
    });
});

// ---------------------------------------------------------------------------------------------
// Coverage: every type in today's plans, every name the SDK knows
// ---------------------------------------------------------------------------------------------

const sdkArgs = (type: string): string[] => {
    const [, module, resourceName] = type.split(":");
    const [folder, file] = module.split("/");
    const text = fs.readFileSync(path.join(projectRoot, "node_modules/@pulumi/aws", folder, `${file}.d.ts`), "utf8");
    const args = text.slice(text.indexOf(`export interface ${resourceName}Args {`));
    return [...args.slice(0, args.indexOf("\n}")).matchAll(/^ {4}([A-Za-z0-9]+)\??:/gm)].map((m) => m[1]);
};

describe("the preflight's coverage", () => {
    const allPlans = () => Promise.all(stages.flatMap(({ number }) => ["dev", "prod"].map((stack) => sharedPlan(stack, number))));

    it("covers every resource type of every plan: a naming rule, no name of its own, or left out with a reason", async () => {
        const types = new Set((await allPlans()).flatMap((p) => p.resources.map((r) => r.type)));
        const named = new Set(nameSpecs.map((s) => s.type));
        const uncovered = [...types].filter(
            (t) => !named.has(t) && !(t in namelessTypes) && !(t in leftOutTypes) && !(t.startsWith("shop:") && "shop:*" in leftOutTypes),
        );
        expect(uncovered).toEqual([]);
        const withoutArguments = [...types].filter((t) => t.startsWith("aws:") && !argumentSpecs.some((s) => s.type === t));
        expect(withoutArguments).toEqual([]);
    }, 600_000);

    it("names only arguments the SDK has", () => {
        const unknown = [
            ...argumentSpecs.flatMap((spec) =>
                spec.constraints.flatMap((c) =>
                    (c.within ? [c.within.split(".")[0]] : "arguments" in c ? c.arguments : [c.argument, ...c.with])
                        .filter((arg) => !sdkArgs(spec.type).includes(arg))
                        .map((arg) => `${spec.type} ${arg}`),
                ),
            ),
            ...nameSpecs.filter((s) => s.type.startsWith("aws:") && !sdkArgs(s.type).includes(s.property)).map((s) => `${s.type} ${s.property}`),
        ];
        expect(unknown).toEqual([]);
    });

    it("lists in docs/preflight.md every precondition rule and every type covered or left out", () => {
        const doc = fs.readFileSync(path.join(projectRoot, "docs/preflight.md"), "utf8");
        const listed = [
            ...preconditionRules.map((r) => r.id),
            ...[...nameSpecs.map((s) => s.type), ...Object.keys(namelessTypes), ...Object.keys(leftOutTypes), ...argumentSpecs.map((s) => s.type)].map(
                (t) => `\`${t}\``,
            ),
        ];
        expect(listed.filter((item) => !doc.includes(item))).toEqual([]);
    });

    it("gives every rule an id of its own, the error it prevents and a source", () => {
        expect(new Set(preflightRules.map((r) => r.id)).size).toBe(preflightRules.length);
        for (const rule of preflightRules) expect([rule.id, rule.prevents.length > 10, rule.source.length > 10]).toEqual([rule.id, true, true]);
    });
});

// ---------------------------------------------------------------------------------------------
// Issue 15's plan-visible defects, each put back into today's plans, and every stage passing
// ---------------------------------------------------------------------------------------------

const clone = (plan: Plan): Plan => JSON.parse(JSON.stringify(plan)) as Plan;
const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
/** Everything `urn` depends on, directly or not. */
const closure = (plan: Plan, urn: string, seen = new Set<string>()): Set<string> => {
    for (const dependency of plan.resources.find((r) => r.urn === urn)?.dependsOn ?? []) {
        if (!seen.has(dependency)) closure(plan, dependency, seen.add(dependency));
    }
    return seen;
};
const expectViolation = (violations: ReturnType<typeof preflight>, rule: string, name: string, error: string) =>
    expect(violations.filter((v) => v.rule === rule && v.name === name).map((v) => v.prevents)).toContainEqual(expect.stringContaining(error));

describe("issue 15's plan-visible defects put back", () => {
    it("a launch template's volume tag specification without tags", async () => {
        const plan = clone(await sharedPlan("dev", 4));
        const template = ofType(plan, launchTemplate)[0];
        template.inputs.tagSpecifications = [
            { resourceType: "instance", tags: { Name: template.name } },
            { resourceType: "volume", tags: {} },
        ];
        expectViolation(preflight(plan, { now: today }), "launch-template-tag-specification-without-tags", template.name, "InvalidTagSpecification");
    }, 600_000);

    it("manageMasterUserPassword: false beside a password of ours", async () => {
        const plan = clone(await sharedPlan("prod", 9));
        const cluster = ofType(plan, rdsCluster)[0];
        Object.assign(cluster.inputs, { manageMasterUserPassword: false, masterPassword: "[secret]" });
        expect(preflight(plan, { now: today }).filter((v) => v.name === cluster.name && v.rule === "arguments:rds-cluster")).toContainEqual(
            expect.objectContaining({ message: expect.stringContaining("conflicts with masterPassword"), source: expect.stringContaining("32002") }),
        );
    }, 600_000);

    it("an encrypted global secondary without its Region's key", async () => {
        const plan = clone(await sharedPlan("prod", 9));
        const secondaryCluster = ofType(plan, rdsCluster).find((r) => r.inputs.globalClusterIdentifier !== undefined)!;
        delete secondaryCluster.inputs.kmsKeyId;
        expectViolation(preflight(plan, { now: today }), "global-secondary-cluster-without-kms-key", secondaryCluster.name, "InvalidParameterCombination");
    }, 600_000);

    it("a scheduled action that leaves desiredCapacity to the provider's 0", async () => {
        const plan = clone(await sharedPlan("prod", 15));
        const end = ofType(plan, "aws:autoscaling/schedule:Schedule").find((r) => r.name.endsWith("-end"))!;
        delete end.inputs.desiredCapacity;
        expectViolation(preflight(plan, { now: today }), "scheduled-action-capacity", end.name, "ValidationError");
    }, 600_000);

    it("deletion-protected internal load balancers that stage 14 removes", async () => {
        const before = clone(await sharedPlan("prod", 13));
        const after = await sharedPlan("prod", 14);
        const removed = ofType(before, "aws:lb/loadBalancer:LoadBalancer").filter(
            (lb) => lb.inputs.internal === true && !after.resources.some((r) => r.urn === lb.urn),
        );
        expect(removed.map((lb) => lb.name)).toEqual(expect.arrayContaining(["shop-int-use1", "shop-svc-use1"]));
        for (const lb of removed) lb.inputs.enableDeletionProtection = true;
        const violations = preflight(after, { previous: before, now: today });
        for (const lb of removed) expectViolation(violations, "deletion-protected-load-balancer-removed", lb.name, "OperationNotPermitted");
        // What one plan shows: the protection on an internal load balancer.
        expectViolation(preflight(before, { now: today }), "internal-load-balancer-deletion-protection", removed[0].name, "OperationNotPermitted");
    }, 600_000);

    it("the stack's own target group without the controller's tag", async () => {
        const plan = clone(await sharedPlan("prod", 14));
        const bound = ofType(plan, bindingType)
            .flatMap((b) => b.dependsOn.map((urn) => plan.resources.find((r) => r.urn === urn)!))
            .filter((r) => r.type === "aws:lb/targetGroup:TargetGroup");
        expect(bound.length).toBeGreaterThan(0);
        for (const tg of bound) tg.inputs.tags = Object.fromEntries(Object.entries(tg.inputs.tags ?? {}).filter(([key]) => key !== "elbv2.k8s.aws/cluster"));
        const bindingNames = ofType(plan, bindingType).map((b) => b.name);
        for (const name of bindingNames) expectViolation(preflight(plan, { now: today }), "target-group-without-controller-tag", name, "RegisterTargets");
    }, 600_000);

    it("Services and the TargetGroupBinding without a dependency on the controller's release", async () => {
        const plan = clone(await sharedPlan("prod", 14));
        const releases = ofType(plan, "kubernetes:helm.sh/v3:Release").map((r) => r.urn);
        const objects = [...ofType(plan, bindingType), ...ofType(plan, "kubernetes:core/v1:Service")];
        for (const object of objects) {
            object.dependsOn = object.dependsOn.filter((urn) => !releases.includes(urn) && !releases.some((release) => closure(plan, urn).has(release)));
        }
        const violations = preflight(plan, { now: today });
        for (const object of objects) expectViolation(violations, "load-balancer-controller-object-before-release", object.name, "webhook");
    }, 600_000);

    it("a Serverless v2 class change without applyImmediately", async () => {
        const before = await sharedPlan("prod", 14);
        const after = clone(await sharedPlan("prod", 15));
        const changed = ofType(after, "aws:rds/clusterInstance:ClusterInstance").filter((i) => {
            const old = before.resources.find((r) => r.urn === i.urn);
            return old !== undefined && old.inputs.instanceClass !== i.inputs.instanceClass;
        });
        expect(changed.length).toBeGreaterThan(0);
        for (const instance of changed) delete instance.inputs.applyImmediately;
        const violations = preflight(after, { previous: before, now: today });
        for (const instance of changed) expectViolation(violations, "instance-class-change-waits", instance.name, "maintenance window");
    }, 600_000);

    it("Aurora pinned to an exact minor with automatic minor version upgrades", async () => {
        const plan = clone(await sharedPlan("dev", 5));
        for (const r of [...ofType(plan, rdsCluster), ...ofType(plan, "aws:rds/clusterInstance:ClusterInstance")]) r.inputs.engineVersion = "16.6";
        for (const instance of ofType(plan, "aws:rds/clusterInstance:ClusterInstance")) instance.inputs.autoMinorVersionUpgrade = true;
        const violations = preflight(plan, { now: today });
        for (const cluster of ofType(plan, rdsCluster)) expectViolation(violations, "engine-minor-pinned-with-automatic-upgrades", cluster.name, "downgrade");
    }, 600_000);

    it("EKS 1.34, which leaves standard support in December 2026", async () => {
        const plan = clone(await sharedPlan("prod", 14));
        for (const cluster of ofType(plan, "aws:eks/cluster:Cluster")) cluster.inputs.version = "1.34";
        const violations = preflight(plan, { now: today });
        for (const cluster of ofType(plan, "aws:eks/cluster:Cluster"))
            expectViolation(violations, "eks-version-out-of-standard-support", cluster.name, "standard support");
    }, 600_000);
});

describe("every stage of both stacks", () => {
    const pairs = stages.flatMap(({ number }) => ["dev", "prod"].map((stack) => [stack, number] as const));

    it.each(pairs)(
        "%s stage %i passes the preflight, alone and as the change from the stage before",
        async (stack, number) => {
            const plan = await sharedPlan(stack, number);
            const previous = number > 1 ? await sharedPlan(stack, number - 1) : undefined;
            const lines = (violations: ReturnType<typeof preflight>) => violations.map((v) => `${v.type} ${v.name}: ${v.rule}: ${v.message}`);
            expect(lines(preflight(plan))).toEqual([]);
            expect(lines(preflight(plan, { previous }))).toEqual([]);
        },
        600_000,
    );
});

// ---------------------------------------------------------------------------------------------
// The commands
// ---------------------------------------------------------------------------------------------

/** The tools as `npm run plan` and `npm run preflight` run them: compiled, with plain node. */
const tool = (file: string, ...args: string[]) =>
    spawnSync(process.execPath, ["tools/compiled.js", file, ...args], { cwd: projectRoot, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

describe("npm run preflight -- <plan.json>", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const save = (name: string, content: unknown) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
        return file;
    };
    const preflightOf = (...args: string[]) => tool("tools/preflight.ts", ...args);

    it("exits 5 on a violation, naming the resource, the rule and the error it prevents, and 0 on a clean plan", () => {
        const broken = save("broken.json", planOf([schedule({ minSize: 3, maxSize: 10 })]));
        const result = preflightOf(broken, "--date", "2026-11-30");
        expect(result.status).toBe(5);
        expect(result.stdout).toContain('!! aws:autoscaling/schedule:Schedule "r": scheduled-action-capacity: desiredCapacity is unset');
        expect(result.stdout).toContain("prevents Auto Scaling PutScheduledUpdateGroupAction: ValidationError");
        expect(result.stdout).toContain("source: terraform-provider-aws internal/service/autoscaling/schedule.go");
        const clean = preflightOf(save("clean.json", planOf([schedule({ minSize: 3, maxSize: 10, desiredCapacity: 3 })])));
        expect([clean.status, clean.stdout.trim()]).toEqual([0, "preflight (dev, stage 1): 0 violation(s)"]);
    }, 60_000);

    it("checks the change from a previous plan", () => {
        const previous = save("previous.json", planOf([loadBalancer({ enableDeletionProtection: true })]));
        const result = preflightOf(save("next.json", planOf([])), "--previous", previous);
        expect(result.status).toBe(5);
        expect(result.stdout).toContain('"shop-int-use1": deletion-protected-load-balancer-removed');
    }, 60_000);

    it("exits 2 naming the problem for a file that is not a plan, a missing file or a bad date", () => {
        for (const args of [
            [save("bad.json", "{ nope")],
            [save("other.json", { hello: 1 })],
            [path.join(dir, "missing.json")],
            [save("ok.json", planOf([])), "--date", "soon"],
            [],
        ]) {
            const result = preflightOf(...args);
            expect([args, result.status, result.stdout]).toEqual([args, 2, ""]);
            expect(result.stderr).not.toMatch(/\n\s+at /);
            expect(result.stderr.length).toBeGreaterThan(0);
        }
    }, 120_000);
});

describe("npm run plan -- --preflight", () => {
    it("prints the preflight's verdict on stderr beside the plan and exits 5 exactly when a rule is broken", async () => {
        const expected = preflight(await sharedPlan("prod", 15));
        const result = tool("tools/plan.ts", "--stack", "prod", "--stage", "15", "--preflight", "--json");
        expect(result.status).toBe(expected.length > 0 ? 5 : 0);
        expect(result.stderr.split("\n")[0]).toBe(`preflight (prod, stage 15): ${expected.length} violation(s)`);
        expect(JSON.parse(result.stdout).stage.number).toBe(15);
    }, 600_000);
    it("with --diff, checks the change from the earlier plan too, as the pull-request workflow runs it", async () => {
        const before = clone(await sharedPlan("prod", 13));
        for (const lb of ofType(before, "aws:lb/loadBalancer:LoadBalancer").filter((r) => r.inputs.internal === true))
            lb.inputs.enableDeletionProtection = true;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-diff-"));
        try {
            const file = path.join(dir, "prod-13.json");
            fs.writeFileSync(file, JSON.stringify(before));
            const result = tool("tools/plan.ts", "--stack", "prod", "--stage", "14", "--diff", file, "--policy", "--preflight");
            const dataAtRisk = diffPlans(before, await sharedPlan("prod", 14)).dataAtRisk.length > 0;
            expect(result.status).toBe(dataAtRisk ? 3 : 5);
            expect(result.stderr).toContain('aws:lb/loadBalancer:LoadBalancer "shop-int-use1": deletion-protected-load-balancer-removed');
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }, 600_000);
});
