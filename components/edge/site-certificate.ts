import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Problems } from "../validation";

export interface SiteCertificateArgs {
    /** The shop's host name, such as shop.example.com. */
    domain: string;
    /** The public hosted zone that holds the name, where ACM's validation record goes. */
    hostedZoneId: pulumi.Input<string>;
    /** The regions whose load balancers serve the name, keyed by region, each with its provider. */
    regions: Record<string, aws.Provider>;
    /** Tags for every child, on top of the providers' default tags. @default {} */
    tags?: Record<string, string>;
}

/**
 * An ACM certificate for the shop's name in every region that serves it (ACM certificates
 * are regional; a load balancer uses one of its own region), validated through DNS. ACM asks
 * the same validation record of every region's certificate for one name in one account, so
 * the record is made once, from the first region's request, and every region waits for it.
 * ACM renews the certificates by itself while the record stays.
 */
export class SiteCertificate extends pulumi.ComponentResource {
    /** The validated certificate's ARN, by region. */
    readonly certificateArns: Record<string, pulumi.Output<string>> = {};

    constructor(name: string, args: SiteCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        new Problems()
            .check(
                !/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/.test(args.domain),
                `domain must be a lower-case DNS name (got ${JSON.stringify(args.domain)})`,
            )
            .check(Object.keys(args.regions).length === 0, "regions must name at least one region")
            .throwIfAny("SiteCertificate", name);
        super("shop:edge:SiteCertificate", name, {}, opts);
        const tags = args.tags ?? {};

        const certificates = Object.entries(args.regions).map(([region, provider]) => ({
            region,
            provider,
            certificate: new aws.acm.Certificate(
                `${name}-${region}`,
                { domainName: args.domain, validationMethod: "DNS", tags: { ...tags, Name: args.domain } },
                { parent: this, provider },
            ),
        }));
        const option = certificates[0].certificate.domainValidationOptions.apply((options) => options[0]);
        const record = new aws.route53.Record(
            `${name}-validation`,
            {
                zoneId: args.hostedZoneId,
                name: option.resourceRecordName,
                type: option.resourceRecordType,
                records: [option.resourceRecordValue],
                ttl: 300,
                allowOverwrite: true,
            },
            { parent: this },
        );
        for (const { region, provider, certificate } of certificates) {
            const validated = new aws.acm.CertificateValidation(
                `${name}-${region}`,
                { certificateArn: certificate.arn, validationRecordFqdns: [record.fqdn] },
                { parent: this, provider },
            );
            this.certificateArns[region] = validated.certificateArn;
        }
        this.registerOutputs({ certificateArns: this.certificateArns });
    }
}
