import { sharedDeployment } from "./support/shared-deployments";

/** The flags parameter's own ARN (under the mocks, an ARN made of its type and name). */
const flagsArn = (region: string) => `arn:aws:mock::123456789012:aws:ssm/parameter:Parameter/shop-flags-${region}`;
type Policy = { Statement: { Action: string | string[]; Resource: string | string[] }[] };
const ssmStatements = (policy: Policy) => policy.Statement.filter((s) => [s.Action].flat().some((a) => a.startsWith("ssm:")));

describe("the feature flags' parameter (stage 11 on)", () => {
    it("is one String parameter a region, outside the shared configuration's path, whose value pulumi up leaves to the operators", async () => {
        const registered = await sharedDeployment("prod", 11);
        for (const region of ["us-east-1", "eu-west-1"]) {
            const parameter = registered.one("aws:ssm/parameter:Parameter", `shop-flags-${region}`);
            expect(parameter.inputs).toMatchObject({ name: "/shop-evolution/prod/flags", type: "String" });
            expect(parameter.region).toBe(region);
            expect(registered.ignoreChanges[`aws:ssm/parameter:Parameter::shop-flags-${region}`]).toEqual(["value"]);
            // The shared configuration (read by path, its values digested into the fleets) names the parameter but does not hold it:
            // flipping a flag changes no digest and rolls nothing.
            const sharedPath = `/shop-evolution/prod/${region}/`;
            expect(registered.one("aws:ssm/parameter:Parameter", `shop-config-${region}-SHOP_FLAGS_PARAMETER`).inputs.name).toBe(
                `${sharedPath}SHOP_FLAGS_PARAMETER`,
            );
            expect((parameter.inputs.name as string).startsWith(sharedPath)).toBe(false);
        }
        expect((await sharedDeployment("prod", 10)).ofType("aws:ssm/parameter:Parameter").filter((p) => p.name.startsWith("shop-flags-"))).toEqual([]);
    });

    it("is readable by every fleet of the region, with ssm:GetParameter on its ARN and nothing more", async () => {
        const registered = await sharedDeployment("prod", 11);
        const fleetPolicies = registered.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => /^shop-\w+-fleet-/.test(p.name));
        expect(fleetPolicies.map((p) => p.name).sort()).toEqual(
            ["shop-app-fleet-eu-west-1", "shop-app-fleet-us-east-1", "shop-trade-fleet-eu-west-1", "shop-trade-fleet-us-east-1"].sort(),
        );
        for (const policy of fleetPolicies) {
            const region = policy.name.endsWith("eu-west-1") ? "eu-west-1" : "us-east-1";
            expect(ssmStatements(JSON.parse(policy.inputs.policy as string))).toContainEqual({
                Effect: "Allow",
                Action: "ssm:GetParameter",
                Resource: flagsArn(region),
            });
        }
    });

    it("is readable by the pods through Pod Identity, and named in their environment (stage 14)", async () => {
        const registered = await sharedDeployment("prod", 14);
        const podPolicies = registered.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => (p.inputs.policy as string).includes("ssm:GetParameter"));
        expect(podPolicies.length).toBeGreaterThanOrEqual(2);
        for (const policy of podPolicies) {
            expect(ssmStatements(JSON.parse(policy.inputs.policy as string))).toEqual([
                { Effect: "Allow", Action: "ssm:GetParameter", Resource: flagsArn(policy.name.includes("eu-west-1") ? "eu-west-1" : "us-east-1") },
            ]);
        }
        const config = (registered.one("kubernetes:core/v1:ConfigMap", "shop-us-east-1").inputs as { data: Record<string, string> }).data;
        expect(config.SHOP_FLAGS_PARAMETER).toBe("/shop-evolution/prod/flags");
    });
});
