/** IAM policy documents as JSON text, written once for every component. */

export interface Statement {
    Effect?: "Allow" | "Deny";
    Action: string | string[];
    Resource: string | string[];
    Principal?: Record<string, string | string[]>;
    Condition?: Record<string, Record<string, string | string[]>>;
    Sid?: string;
}

/** A policy document; statements allow unless they say otherwise. */
export function policyDocument(statements: Statement[]): string {
    return JSON.stringify({ Version: "2012-10-17", Statement: statements.map((s) => ({ Effect: "Allow", ...s })) });
}

/** A trust policy that lets one AWS service assume the role. */
export function assumableBy(service: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    });
}
