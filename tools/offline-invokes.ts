/**
 * What the offline runtime answers for the provider functions (invokes) the program
 * calls. Offline there is no AWS account to ask, so each answer is a fixed,
 * plausible value, clearly marked where the real one is only known at deploy time.
 * An invoke missing here fails loudly: a silent empty answer would plan nonsense.
 */
export const lookedUpAtDeploy = "(looked up at deploy)";

export function offlineInvoke(token: string, inputs: Record<string, unknown>, region: string | null): Record<string, unknown> {
    const here = (inputs.region as string | undefined) ?? region ?? "us-east-1";
    switch (token) {
        case "aws:index/getAvailabilityZones:getAvailabilityZones": {
            const names = ["a", "b", "c", "d", "e", "f"].map((z) => `${here}${z}`);
            return { id: here, names, zoneIds: names.map((_, i) => `${here.replace(/-/g, "")}-az${i + 1}`), groupNames: [here] };
        }
        case "aws:index/getRegion:getRegion":
            return { id: here, region: here, name: here, endpoint: `ec2.${here}.amazonaws.com`, description: here };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { id: "123456789012", accountId: "123456789012", arn: "arn:aws:iam::123456789012:root", userId: "123456789012" };
        case "aws:index/getPartition:getPartition":
            return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
        case "aws:ec2/getAmi:getAmi":
            return {
                id: `ami-${lookedUpAtDeploy}`,
                imageId: `ami-${lookedUpAtDeploy}`,
                name: `${String((inputs.filters as { values: string[] }[] | undefined)?.[0]?.values?.[0] ?? "image")} ${lookedUpAtDeploy}`,
                architecture: "x86_64",
                rootDeviceName: "/dev/xvda",
            };
        case "aws:elb/getServiceAccount:getServiceAccount":
            // The regional Elastic Load Balancing account that writes access logs; AWS names it per region.
            return { id: here, arn: `arn:aws:iam::${lookedUpAtDeploy}:root` };
        case "aws:route53/getZone:getZone":
            return { id: lookedUpAtDeploy, zoneId: lookedUpAtDeploy, name: inputs.name, privateZone: false, nameServers: [] };
        case "aws:iam/getSessionContext:getSessionContext":
            return {
                id: String(inputs.arn),
                arn: String(inputs.arn),
                issuerArn: "arn:aws:iam::123456789012:role/deployer",
                issuerId: lookedUpAtDeploy,
                issuerName: "deployer",
                sessionName: lookedUpAtDeploy,
            };
        case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {
                id: here,
                userName: "AWS",
                password: lookedUpAtDeploy,
                authorizationToken: lookedUpAtDeploy,
                proxyEndpoint: `https://123456789012.dkr.ecr.${here}.amazonaws.com`,
                expiresAt: lookedUpAtDeploy,
            };
        default:
            throw new Error(`the offline runtime has no answer for the provider function ${token}; add one to tools/offline-invokes.ts`);
    }
}
