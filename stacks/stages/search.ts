import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { mediaBucket } from "../../components/data/media-bucket";
import { SearchDomain } from "../../components/data/search-domain";
import { StackConfig } from "../config";
import { ServingCell } from "../region-cell";
import { regionCode } from "../region-code";
import { ServerWiring } from "../server-wiring";

/** OpenSearch spreads a domain over at most three zones. */
const maxSearchZones = 3;

/**
 * Stage 10 (seed 3.10, NoSQL and search): product search leaves PostgreSQL for an OpenSearch
 * domain (`shop-search-<region code>`, in the home region's private subnets, over three zones
 * with dedicated masters in prod, one node in dev), and product media get an S3 bucket
 * (`shop-media-<region>`). The domain authenticates with fine-grained access control: the shop
 * gets `SHOP_SEARCH_URL` naming the domain's user and `SHOP_SEARCH_PASSWORD` from its secret;
 * the network admits only the app group (and the other regions' ranges, across the peering).
 */
export function search(
    config: StackConfig,
    home: ServingCell,
    others: ServingCell[],
): { domain: SearchDomain; media: aws.s3.Bucket; wiringIn(region: string): ServerWiring } {
    const prod = config.environment === "prod";
    const zones = prod ? home.network.privateSubnetIds.slice(0, maxSearchZones) : home.network.privateSubnetIds.slice(0, 1);
    const domain = new SearchDomain(
        `shop-search-${regionCode(home.region)}`,
        {
            vpcId: home.network.vpcId,
            subnetIds: zones,
            allowedSecurityGroups: { app: home.appGroupId },
            allowedCidrs: Object.fromEntries(others.map((cell) => [cell.region, cell.network.cidrBlock])),
            instanceType: config.sizing.searchInstanceType,
            production: config.protectData,
            logRetentionDays: config.sizing.logRetentionDays,
            createServiceLinkedRole: config.createSearchServiceLinkedRole,
        },
        { provider: home.provider },
    );
    const media = mediaBucket(`shop-media-${home.region}`, { production: config.protectData }, { provider: home.provider });
    const wiring: ServerWiring = {
        environment: { SHOP_SEARCH_URL: pulumi.interpolate`https://${domain.username}@${domain.endpoint.apply((url) => url.replace(/^https:\/\//, ""))}` },
        secrets: { SHOP_SEARCH_PASSWORD: { secretArn: domain.masterUserSecretArn, jsonKey: "password", value: domain.masterPassword } },
        egressPorts: [443],
    };
    return { domain, media, wiringIn: () => wiring };
}
