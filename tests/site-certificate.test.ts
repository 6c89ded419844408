import * as aws from "@pulumi/aws";
import { SiteCertificate } from "../components/edge/site-certificate";
import { InvalidArgsError } from "../components/validation";
import { refusal, run } from "./harness";

describe("SiteCertificate", () => {
    it("requests the name's certificate in every region, validated by one DNS record that every region waits for", async () => {
        const r = await run(() => {
            const providers = { "us-east-1": new aws.Provider("us", { region: "us-east-1" }), "eu-west-1": new aws.Provider("eu", { region: "eu-west-1" }) };
            const site = new SiteCertificate("site", { domain: "shop.example.com", hostedZoneId: "Z123", regions: providers });
            return { arns: site.certificateArns };
        });
        const certificates = r.ofType("aws:acm/certificate:Certificate");
        expect(certificates.map((c) => [c.name, c.region, c.inputs.domainName, c.inputs.validationMethod])).toEqual([
            ["site-us-east-1", "us-east-1", "shop.example.com", "DNS"],
            ["site-eu-west-1", "eu-west-1", "shop.example.com", "DNS"],
        ]);
        expect(r.one("aws:route53/record:Record", "site-validation").inputs).toMatchObject({
            zoneId: "Z123",
            name: "_mock.shop.example.com.",
            type: "CNAME",
            records: ["_mock.acm-validations.aws."],
        });
        const validations = r.ofType("aws:acm/certificateValidation:CertificateValidation");
        expect(validations.map((v) => [v.region, v.inputs.validationRecordFqdns])).toEqual([
            ["us-east-1", ["_mock.shop.example.com"]],
            ["eu-west-1", ["_mock.shop.example.com"]],
        ]);
        expect(Object.keys(r.outputs.arns as object)).toEqual(["us-east-1", "eu-west-1"]);
    });

    it("refuses a bad name and no region, before registering anything", async () => {
        const { error, registered } = await refusal(() => new SiteCertificate("site", { domain: "Shop_Example", hostedZoneId: "Z", regions: {} }));
        expect(error).toBeInstanceOf(InvalidArgsError);
        expect((error as InvalidArgsError).problems).toEqual([
            'domain must be a lower-case DNS name (got "Shop_Example")',
            "regions must name at least one region",
        ]);
        expect(registered).toEqual([]);
    });
});
