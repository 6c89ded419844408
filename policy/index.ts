/**
 * The policy pack, for `pulumi preview --policy-pack policy` and `pulumi up --policy-pack policy`:
 * the rules of rules.ts, mandatory by default (prod). Dev runs them advisory, without the
 * prod-only rules: `--policy-pack-config policy/dev.json`.
 */
import { PolicyPack, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { rules } from "./rules";

const resourcePolicies: ResourceValidationPolicy[] = rules
    .filter((rule) => rule.check)
    .map((rule) => ({
        name: rule.name,
        description: rule.description,
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            for (const problem of rule.check!({ type: args.type, name: args.name, inputs: args.props, protect: args.opts.protect === true }))
                reportViolation(problem);
        },
    }));

const stackPolicies: StackValidationPolicy[] = rules
    .filter((rule) => rule.checkStack)
    .map((rule) => ({
        name: `${rule.name}-stack`,
        description: rule.description,
        enforcementLevel: "mandatory",
        validateStack: (args, reportViolation) => {
            const resources = args.resources.map((r) => ({ type: r.type, name: r.name, inputs: r.props, protect: r.opts.protect === true }));
            for (const problem of rule.checkStack!(resources)) reportViolation(problem);
        },
    }));

new PolicyPack("shop-evolution", { policies: [...resourcePolicies, ...stackPolicies] });
