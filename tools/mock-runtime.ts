import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import {
    specialSigKey,
    specialSecretSig,
    specialResourceSig,
    specialAssetSig,
    specialArchiveSig,
    specialOutputValueSig,
    unknownValue,
} from "@pulumi/pulumi/runtime/rpc";
import { offlineInvoke } from "./offline-invokes";
import { unknownText } from "./plan-file";

/**
 * Runs a Pulumi program in-process under Pulumi's mock runtime: no engine, no
 * credentials, no network. Every registration is recorded as the engine would
 * receive it (parent, provider, protect, retainOnDelete, inputs), and the run
 * returns only after every registration has settled. The offline plan and the
 * tests share this one runner.
 */

/** One registered resource, as the plan contract (docs/contracts.md) describes it. */
export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    region: string | null;
    protect: boolean;
    retainOnDelete: boolean;
    /** Inputs as plain JSON: secrets as "[secret]", unknowns as "(known after apply)", resources as their URN. */
    inputs: Record<string, unknown>;
    /** True for a provider-managed resource, false for a component. */
    custom: boolean;
    /** URN of the explicit provider, or null for the default one. */
    provider: string | null;
    /**
     * The URNs this resource depends on, sorted: explicit `dependsOn` and every resource whose
     * outputs its inputs use, as the engine's registration records them (`dependencies` and
     * `propertyDependencies`). A dependency on a component stands for its children, as the engine
     * expands it.
     */
    dependsOn: string[];
    /** Per top-level input, the URNs its value comes from (the engine's `propertyDependencies`). */
    inputDependencies: Record<string, string[]>;
    /**
     * The URNs this resource may have had before (its `aliases` option), sorted, as the engine
     * computes them: each alias with the resource's own name, type and parent where it leaves
     * them out, and the resource under each of its parent's aliases.
     */
    aliases: string[];
}

export interface MockRunOptions {
    project: string;
    stack: string;
    /** Raw config, as Pulumi holds it: `namespace:key` to string (lists and maps as JSON). */
    config: Record<string, string>;
    /** Preview: computed values stay unknown, as in `pulumi preview`. Otherwise they get mock ids. */
    preview: boolean;
}

export interface MockRunResult {
    resources: PlannedResource[];
    outputs: Record<string, unknown>;
}

/** Outputs that providers compute and components pass on, for runs that are not previews. */
const computedByProvider: Record<string, (name: string, inputs: Record<string, any>, region: string) => Record<string, unknown>> = {
    "aws:secretsmanager/secret:Secret": (name, _, region) => ({ arn: `arn:aws:secretsmanager:${region}:123456789012:secret:${name}` }),
    "random:index/randomPassword:RandomPassword": () => ({ result: "mock-password" }),
    "aws:secretsmanager/secretVersion:SecretVersion": (name) => ({ versionId: `version-of-${name}` }),
    "aws:route53/zone:Zone": (name) => ({ zoneId: `Z-${name}` }),
    "aws:route53/record:Record": (_, inputs) => ({ fqdn: String(inputs.name).replace(/\.$/, "") }),
    "aws:acm/certificate:Certificate": (_, inputs) => ({
        domainValidationOptions: [
            {
                domainName: inputs.domainName,
                resourceRecordName: `_mock.${inputs.domainName}.`,
                resourceRecordType: "CNAME",
                resourceRecordValue: "_mock.acm-validations.aws.",
            },
        ],
    }),
    "aws:ecr/repository:Repository": (name, inputs) => ({
        registryId: "123456789012",
        repositoryUrl: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${inputs.name ?? name}`,
    }),
    "aws:elasticache/replicationGroup:ReplicationGroup": (name, _, region) => ({
        primaryEndpointAddress: `master.${name}.mock.${region}.cache.amazonaws.com`,
        readerEndpointAddress: `replica.${name}.mock.${region}.cache.amazonaws.com`,
        configurationEndpointAddress: `clustercfg.${name}.mock.${region}.cache.amazonaws.com`,
    }),
    "aws:lb/loadBalancer:LoadBalancer": (name, inputs) => ({
        dnsName: `${name}-dns.mock.elb.amazonaws.com`,
        zoneId: "Z35SXDOTRQ7X7K",
        // The ARN's tail CloudWatch names a balancer by: app/ or net/, its name, its id.
        arnSuffix: `${inputs.loadBalancerType === "network" ? "net" : "app"}/${name}/0123456789abcdef`,
    }),
    "aws:lb/targetGroup:TargetGroup": (name) => ({ arnSuffix: `targetgroup/${name}/0123456789abcdef` }),
    "aws:opensearch/domain:Domain": (name, inputs) => ({ domainName: inputs.domainName ?? name }),
    // An address from the documentation range (RFC 5737).
    "aws:ec2/eip:Eip": () => ({ publicIp: "203.0.113.10" }),
    "aws:rds/cluster:Cluster": (name, inputs, region) => ({
        endpoint: `${inputs.clusterIdentifier ?? name}.cluster-mock.${region}.rds.amazonaws.com`,
        readerEndpoint: `${inputs.clusterIdentifier ?? name}.cluster-ro-mock.${region}.rds.amazonaws.com`,
        port: inputs.port ?? 5432,
    }),
    "aws:eks/cluster:Cluster": (name, inputs) => ({
        endpoint: `https://${createHash("sha256").update(name).digest("hex").slice(0, 32).toUpperCase()}.gr7.us-east-1.eks.amazonaws.com`,
        certificateAuthority: { data: "LS0tLS1CRUdJTi1tb2NrLWNhLS0tLS0=" },
        vpcConfig: { ...inputs.vpcConfig, clusterSecurityGroupId: `sg-${name}-cluster` },
    }),
    "aws:eks/nodeGroup:NodeGroup": (name) => ({ resources: [{ autoscalingGroups: [{ name: `eks-${name}-asg` }] }] }),
    // The digest of what was pushed: a stand-in derived from the image name.
    "docker:index/image:Image": (_, inputs) => ({
        repoDigest: `${String(inputs.imageName).replace(/:[^:/]*$/, "")}@sha256:${createHash("sha256").update(String(inputs.imageName)).digest("hex")}`,
    }),
};

/** Kubernetes objects left to autonaming get the provider's name: the resource name and a random suffix. */
function kubernetesAutoname(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
    if (!type.startsWith("kubernetes:") || type.startsWith("kubernetes:helm") || inputs.metadata?.name) return {};
    return { metadata: { ...inputs.metadata, name: `${name}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}` } };
}

export const secretText = "[secret]";

/** Runs `program` as the body of a stack and returns what it registered and exported. */
export async function runUnderMocks(program: () => Promise<Record<string, unknown> | void>, options: MockRunOptions): Promise<MockRunResult> {
    const registrations: PlannedResource[] = [];
    // The mock monitor's URNs drop all but the last parent type; the engine keeps the whole chain.
    const engineUrns = new Map<string, string>();
    const providerRegions = new Map<string, string | null>();
    // Each registered resource's alias URNs, which its children inherit.
    const aliasesOf = new Map<string, string[]>();
    const defaultRegion = options.config["aws:region"] ?? null;
    /** The engine URN and region of the provider behind a reference ("<mock urn>::<id>"). */
    const providerOf = (ref: string) => {
        const urn = ref ? (engineUrns.get(ref.slice(0, ref.lastIndexOf("::"))) ?? null) : null;
        return { urn, region: urn ? (providerRegions.get(urn) ?? null) : defaultRegion };
    };

    pulumi.runtime.setAllConfig(options.config);
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                // A stack reference offline: another stack's outputs cannot be read here, and read as none.
                if (args.type === "pulumi:pulumi:StackReference") return { id: args.name, state: { ...args.inputs, outputs: {}, secretOutputNames: [] } };
                if (options.preview) return { id: "", state: args.inputs };
                // As a provider would: an id, an ARN, the resource's name where it was left to autonaming, and a few values providers compute.
                const { name, type } = args;
                const region = providerOf(args.provider ?? "").region ?? "us-east-1";
                const state = {
                    name,
                    arn: `arn:aws:mock::123456789012:${type}/${name}`,
                    ...args.inputs,
                    ...computedByProvider[type]?.(name, args.inputs, region),
                    ...kubernetesAutoname(type, name, args.inputs),
                };
                return { id: `${name}-id`, state };
            },
            call: (args) => offlineInvoke(args.token, args.inputs, providerOf(args.provider ?? "").region),
        },
        options.project,
        options.stack,
        options.preview,
    );
    recordRegistrations((request, mockUrn) => {
        const type = request.getType();
        const parent = engineUrns.get(request.getParent()) ?? null;
        const urn = engineUrn(options, parent, type, request.getName());
        engineUrns.set(mockUrn, urn);
        const inputs = plainValue(request.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
        const provider = providerOf(request.getProvider());
        const ownRegion = typeof inputs.region === "string" ? inputs.region : null;
        const dependsOn = new Set<string>(request.getDependenciesList());
        const inputDependencies: Record<string, string[]> = {};
        request.getPropertydependenciesMap().forEach((deps, input) => {
            const urns = deps.getUrnsList().map((dep) => engineUrns.get(dep) ?? dep);
            deps.getUrnsList().forEach((dep) => dependsOn.add(dep));
            if (urns.length > 0) inputDependencies[input] = [...new Set(urns)].sort();
        });
        const aliases = aliasUrns(options, request, { urn, parent, type, name: request.getName() }, (mock) => engineUrns.get(mock) ?? mock, aliasesOf);
        aliasesOf.set(urn, aliases);
        if (type.startsWith("pulumi:providers:")) providerRegions.set(urn, ownRegion);
        registrations.push({
            urn,
            type,
            name: request.getName(),
            parent,
            region: type === "pulumi:providers:aws" ? ownRegion : type.startsWith("aws:") ? (ownRegion ?? provider.region) : null,
            protect: request.getProtect() === true,
            retainOnDelete: request.getRetainondelete() === true,
            inputs,
            custom: request.getCustom(),
            provider: provider.urn,
            dependsOn: [...new Set([...dependsOn].map((dep) => engineUrns.get(dep) ?? dep))].sort(),
            inputDependencies,
            aliases,
        });
    });

    let exported: Record<string, unknown> = {};
    let outputs: Record<string, unknown>;
    const callsites = withoutSourcePositions();
    // The SDK reads `new Error().stack` for every promise it makes (debuggablePromise): formatted
    // through a test runner's source maps, that was two thirds of a plan's time. No run reports
    // those stacks, so none is captured while the program runs; an error thrown in it keeps its
    // message. SHOP_MOCK_STACK_TRACES=1 keeps them, to find where a component fails.
    const stackTraceLimit = Error.stackTraceLimit;
    if (process.env.SHOP_MOCK_STACK_TRACES !== "1") Error.stackTraceLimit = 0;
    try {
        await pulumi.runtime.runInPulumiStack(async () => (exported = (await program()) ?? {}));
        // Children register asynchronously, after their constructors return: wait until every RPC has settled.
        await pulumi.runtime.disconnect();
        outputs = (await settle(exported)) as Record<string, unknown>;
    } finally {
        sdkResource.callsites = callsites;
        Error.stackTraceLimit = stackTraceLimit;
    }
    return { resources: registrations, outputs };
}

/** The SDK's source-position capture, which this runner turns off for a run (`withoutSourcePositions`). */
const sdkResource = pulumi.Resource as unknown as { callsites(): unknown[] };

/**
 * Turns off the SDK's source positions until the returned capture is put back. Every resource
 * constructor captures and parses a whole stack trace (with no limit on its depth, whatever
 * Error.stackTraceLimit says) and sends it with the registration; no plan records it, and it is
 * a tenth of a plan's time. The resources register exactly as before, without a position.
 */
function withoutSourcePositions(): () => unknown[] {
    const callsites = sdkResource.callsites;
    sdkResource.callsites = () => [];
    return callsites;
}

/** A URN as the engine makes it: the parent's type chain, without the root stack's type. */
function engineUrn(options: MockRunOptions, parent: string | null, type: string, name: string): string {
    const parentChain = parent ? parent.split("::")[2] : "";
    const chain = !parentChain || parentChain === stackType ? type : `${parentChain}$${type}`;
    return `urn:pulumi:${options.stack}::${options.project}::${chain}::${name}`;
}

const stackType = "pulumi:pulumi:Stack";

/** A resource's alias URNs, as the engine collapses them (its step generator's `generateAliases`). */
function aliasUrns(
    options: MockRunOptions,
    request: RegisterRequest,
    self: { urn: string; parent: string | null; type: string; name: string },
    engineUrnOf: (mockUrn: string) => string,
    aliasesOf: Map<string, string[]>,
): string[] {
    const found = new Set<string>();
    const specs = request.getAliasesList().map((alias) => {
        if (alias.hasSpec()) {
            const spec = alias.getSpec()!;
            const parent = spec.getNoparent() ? null : spec.getParenturn() ? engineUrnOf(spec.getParenturn()) : self.parent;
            return { name: spec.getName() || self.name, type: spec.getType() || self.type, parent, ownParent: spec.getNoparent() || !!spec.getParenturn() };
        }
        found.add(alias.getUrn());
        return undefined;
    });
    const at = (parent: string | null, type: string, name: string) => engineUrn(options, parent, type, name);
    for (const spec of specs) if (spec) found.add(at(spec.parent, spec.type, spec.name));
    // The resource as it was under each former URN of its parent, by its name now and by its own aliases' names.
    for (const parentAlias of self.parent ? (aliasesOf.get(self.parent) ?? []) : []) {
        found.add(at(parentAlias, self.type, self.name));
        for (const spec of specs) if (spec && !spec.ownParent) found.add(at(parentAlias, spec.type, spec.name));
    }
    found.delete(self.urn);
    return [...found].sort();
}

/** The engine-facing part of the mock monitor that this runner observes. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getCustom(): boolean;
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(callback: (deps: { getUrnsList(): string[] }, input: string) => void): void };
    getAliasesList(): {
        hasSpec(): boolean;
        getUrn(): string;
        getSpec(): { getName(): string; getType(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
    }[];
}

type Callback = (err: Error | null, response?: { getUrn(): string }) => void;

/** Wraps the mock monitor's registerResource so each successful registration is reported with its URN. */
function recordRegistrations(onRegistered: (request: RegisterRequest, urn: string) => void): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: Callback): void };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request, callback) =>
        register(request, (err, response) => {
            if (!err && response) onRegistered(request, response.getUrn());
            callback(err, response);
        });
}

/**
 * Resolves a program's exports to plain JSON. Each output is settled on its own, so one
 * value known only after apply (an IP address) does not hide the others, as it would in
 * the stack's single output object.
 */
async function settle(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const output = value as unknown as { isKnown: Promise<boolean>; isSecret: Promise<boolean>; promise(): Promise<unknown> };
        if (await output.isSecret) return secretText;
        return (await output.isKnown) ? settle(await output.promise()) : unknownText;
    }
    if (value instanceof Promise) return settle(await value);
    if (pulumi.Resource.isInstance(value)) return settle((value as pulumi.Resource).urn);
    if (Array.isArray(value)) return Promise.all(value.map(settle));
    if (value !== null && typeof value === "object") {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await settle(v)] as const));
        return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
    }
    return value;
}

/** Turns the wire form of a value (Pulumi's signature objects) into plain, deterministic JSON. */
/** A secret's shape with every value hidden: a secret map still shows its keys, never its values. */
function hideSecret(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(hideSecret);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideSecret(v)]));
    return secretText;
}

export function plainValue(value: unknown): unknown {
    if (value === unknownValue) return unknownText;
    if (Array.isArray(value)) return value.map(plainValue);
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    switch (record[specialSigKey]) {
        case specialSecretSig:
            return hideSecret(plainValue(record.value));
        case specialResourceSig:
            return record.urn;
        case specialAssetSig:
        case specialArchiveSig:
            return { asset: record.path ?? record.uri ?? (record.text !== undefined ? "(inline text)" : "(archive)") };
        case specialOutputValueSig:
            if (record.secret) return "value" in record ? hideSecret(plainValue(record.value)) : secretText;
            return "value" in record ? plainValue(record.value) : unknownText;
    }
    return Object.fromEntries(
        Object.keys(record)
            .sort()
            .map((k) => [k, plainValue(record[k])]),
    );
}
