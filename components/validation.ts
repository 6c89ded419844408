import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

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

    /** Records the vocabulary's message when `rule` refuses `value` of `field`. */
    expect<T>(field: string, rule: Rule<T>, value: T): this {
        return this.check(!rule.accepts(value), refused(field, rule, value));
    }

    throwIfAny(component: string, name: string): void {
        if (this.found.length > 0) throw new InvalidArgsError(component, name, this.found);
    }
}

/** True when `value` is an integer within [min, max]. */
export function isIntIn(value: number, min: number, max: number): boolean {
    return Number.isInteger(value) && value >= min && value <= max;
}

/**
 * The vocabulary the components and the stack's config (stacks/config.ts) share: one rule for
 * each kind of value, in one message style, `<field>: expected <what> (got <value>)`.
 */
export interface Rule<T> {
    /** What the rule accepts, in words, after "expected". */
    readonly what: string;
    accepts(value: T): boolean;
}

/** An integer from `min` to `max`. */
export function intRange(min: number, max: number): Rule<number> {
    return { what: `an integer from ${min} to ${max}`, accepts: (value) => isIntIn(value, min, max) };
}

/** An AWS region name: us-east-1, eu-central-2, us-gov-west-1. */
export const awsRegion: Rule<string> = { what: "an AWS region such as us-east-1", accepts: (value) => /^[a-z]{2}(-[a-z]+)+-\d$/.test(value) };

/** An EC2 instance type (family.size), such as `example`. */
export function instanceType(example: string): Rule<string> {
    return { what: `an EC2 instance type such as ${example}`, accepts: (value) => /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(value) };
}

/** An IPv4 CIDR block with octets 0-255 and a prefix length from `minPrefix` to `maxPrefix`. */
export function cidrBlock(minPrefix = 0, maxPrefix = 32): Rule<string> {
    const prefixes = minPrefix === 0 && maxPrefix === 32 ? "" : ` from /${minPrefix} to /${maxPrefix}`;
    return {
        what: `an IPv4 CIDR block${prefixes} such as ${minPrefix <= 24 && maxPrefix >= 24 ? "198.51.100.0/24" : `10.0.0.0/${minPrefix}`}`,
        accepts: (value) => {
            const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
            return match !== null && match.slice(1, 5).every((octet) => Number(octet) <= 255) && isIntIn(Number(match[5]), minPrefix, maxPrefix);
        },
    };
}

/** The message for a value a rule refuses. */
export function refused<T>(field: string, rule: Rule<T>, value: T): string {
    return `${field}: expected ${rule.what} (got ${JSON.stringify(value)})`;
}

/** A string rule as a zod schema for the stack's config, in the same words (its parser adds the field and the value). */
export function zodText(rule: Rule<string>): z.ZodString {
    const error = `expected ${rule.what}`;
    return z.string({ error }).refine((value) => rule.accepts(value), { error });
}

/** An integer rule as a zod schema for the stack's config, in the same words. */
export function zodInt(rule: Rule<number>): z.ZodNumber {
    const error = `expected ${rule.what}`;
    return z.int({ error }).refine((value) => rule.accepts(value), { error });
}
