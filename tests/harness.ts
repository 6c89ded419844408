import { MockRunResult, PlannedResource, runUnderMocks } from "../tools/mock-runtime";

/**
 * Runs code that registers resources under Pulumi's mock runtime and returns what it
 * registered, once every registration has settled (a component's children register
 * asynchronously, after its constructor returns: checking earlier sees nothing).
 * Computed values get mock ids, so `apply` callbacks run as they would in an update.
 */
export async function run(
    program: () => Record<string, unknown> | void | Promise<Record<string, unknown> | void>,
    options: { stack?: string; config?: Record<string, string>; preview?: boolean } = {},
): Promise<Registered> {
    const result = await runUnderMocks(async () => (await program()) ?? {}, {
        project: "shop-evolution",
        stack: options.stack ?? "test",
        config: { "aws:region": "us-east-1", ...options.config },
        preview: options.preview ?? false,
    });
    return new Registered(result);
}

/** What a run registered, with look-ups by type and name. */
export class Registered {
    readonly resources: PlannedResource[];
    readonly outputs: Record<string, unknown>;

    constructor(result: MockRunResult) {
        this.resources = result.resources;
        this.outputs = result.outputs;
    }

    /** Every resource of a type token (such as "aws:ec2/subnet:Subnet"). */
    ofType(type: string): PlannedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one resource with this type and name; fails the test when there is none or several. */
    one(type: string, name: string): PlannedResource {
        const found = this.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            const names = this.ofType(type).map((r) => r.name);
            throw new Error(`expected one ${type} named ${name}, found ${found.length}; names of that type: ${names.join(", ") || "none"}`);
        }
        return found[0];
    }

    /** The resources whose parent is `parent`. */
    childrenOf(parent: PlannedResource): PlannedResource[] {
        return this.resources.filter((r) => r.parent === parent.urn);
    }
}

/**
 * Runs `program` under the mock runtime expecting it to throw, and returns the error with
 * what was registered meanwhile (a refusal must come before any child is registered).
 */
export async function refusal(program: () => unknown, options: Parameters<typeof run>[1] = {}): Promise<{ error: Error; registered: PlannedResource[] }> {
    let error: Error | undefined;
    const registered = await run(() => {
        try {
            program();
        } catch (err) {
            error = err as Error;
        }
    }, options);
    if (!error) throw new Error("expected the program to be refused, but it ran");
    return { error, registered: registered.resources.filter((r) => r.type !== "pulumi:pulumi:Stack") };
}
