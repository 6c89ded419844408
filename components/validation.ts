import * as pulumi from "@pulumi/pulumi";

/**
 * Thrown by a component whose arguments are wrong, before it registers anything.
 * It names every problem at once. As a RunError, `pulumi up` prints the message
 * without a stack trace.
 */
export class InvalidArgsError extends pulumi.RunError {
    constructor(
        readonly component: string,
        readonly resourceName: string,
        readonly problems: string[],
    ) {
        super(`${component} "${resourceName}" has invalid arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "InvalidArgsError";
    }
}

/** Collects problems; `throwIfAny` raises one InvalidArgsError naming them all. */
export class Problems {
    private readonly found: string[] = [];

    /** Records `message` when `broken` holds. */
    check(broken: boolean, message: string): this {
        if (broken) this.found.push(message);
        return this;
    }

    throwIfAny(component: string, name: string): void {
        if (this.found.length > 0) throw new InvalidArgsError(component, name, this.found);
    }
}

/** True when `value` is an integer within [min, max]. */
export function isIntIn(value: number, min: number, max: number): boolean {
    return Number.isInteger(value) && value >= min && value <= max;
}
