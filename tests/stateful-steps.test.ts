import { statefulSteps, typeOfUrn } from "../tools/stateful-steps";

const urn = (type: string, name: string) => `urn:pulumi:prod::shop-evolution::shop:data:AuroraCluster$${type}::${name}`;

describe("stateful steps of a state preview", () => {
    it("names every replacement or deletion of a stateful resource, once", () => {
        const cluster = urn("aws:rds/cluster:Cluster", "shop-db-us-east-1");
        const steps = [
            { op: "create-replacement", urn: cluster },
            { op: "replace", urn: cluster },
            { op: "delete-replaced", urn: cluster },
            { op: "delete", urn: urn("aws:s3/bucket:Bucket", "shop-media-us-east-1") },
            { op: "update", urn: urn("aws:rds/cluster:Cluster", "shop-catalog-db-us-east-1") },
            { op: "replace", urn: urn("aws:ec2/securityGroup:SecurityGroup", "shop-app") },
            { op: "same", urn: urn("aws:ebs/volume:Volume", "shop-server-data") },
        ];
        expect(statefulSteps({ steps })).toEqual([
            "!! DATA AT RISK: create-replacement aws:rds/cluster:Cluster shop-db-us-east-1",
            "!! DATA AT RISK: delete aws:s3/bucket:Bucket shop-media-us-east-1",
        ]);
        expect(statefulSteps({ steps: [] })).toEqual([]);
        expect(typeOfUrn("urn:pulumi:dev::p::aws:ec2/vpc:Vpc::v")).toBe("aws:ec2/vpc:Vpc");
    });
});
