import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { mediaBucket } from "../../components/data/media-bucket";
import { SearchDomain } from "../../components/data/search-domain";
import { StackConfig } from "../config";
import { generatedSecret } from "../generated-secret";
import { admittedGroups, ServingCell } from "../region-cell";
import { regionCode } from "../region-code";
import { Statement } from "../../components/iam";
import { ServerWiring } from "../server-wiring";
import { switchedOn } from "../registry";

/**
 * What the shop does with the media bucket, and nothing more: read and write the product
 * pictures (the first instance to start stores them), and list their prefix, without which S3
 * answers a missing picture with 403 instead of 404. The bucket's default encryption uses the
 * AWS managed key, whose policy admits the account's principals through S3: no KMS statement.
 */
export function mediaStatements(media: aws.s3.Bucket): pulumi.Output<Statement>[] {
    return [
        media.arn.apply((arn): Statement => ({ Sid: "ProductPictures", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${arn}/products/*` })),
        media.arn.apply((arn): Statement => ({
            Sid: "ListProductPictures",
            Action: "s3:ListBucket",
            Resource: arn,
            Condition: { StringLike: { "s3:prefix": "products/*" } },
        })),
    ];
}

/** Reading the product pictures only: what the storefront needs to presign their URLs. */
function pictureReading(media: aws.s3.Bucket): pulumi.Output<Statement> {
    return media.arn.apply((arn): Statement => ({ Sid: "ReadProductPictures", Action: "s3:GetObject", Resource: `${arn}/products/*` }));
}

/** The search domain's application user, which the shop's processes sign in as (the shared contract with app/src/migrate.ts). */
export const searchUser = "shop_search";

/** OpenSearch spreads a domain over at most three zones. */
const maxSearchZones = 3;

/**
 * Stage 10 (seed 3.10, NoSQL and search): product search leaves PostgreSQL for an OpenSearch
 * domain (`shop-search-<region code>`, in the home region's private subnets, over three zones
 * with dedicated masters in prod, one node in dev), and product media get an S3 bucket
 * (`shop-media-<region>`). The domain authenticates with fine-grained access control: the shop
 * gets `SHOP_SEARCH_URL` naming the application user `shop_search` (limited to the shop's
 * index; the catalog's migration function creates it with the master user, which no process
 * sees) and `SHOP_SEARCH_PASSWORD` from that user's secret; the network admits only the groups
 * of the catalog's owners and its migration function (and the other regions' ranges, across
 * the peering). The shop gets the bucket in `SHOP_MEDIA_BUCKET` and its role the rights on its
 * pictures. Search and media are the catalog's (stacks/ownership.ts); the storefront reads the
 * pictures only, to link its pages to them (`pictures`).
 */
export function search(
    config: StackConfig,
    home: ServingCell,
    others: ServingCell[],
): { domain: SearchDomain; media: aws.s3.Bucket; wiringIn(region: string): ServerWiring[]; migrationWiring: ServerWiring } {
    const prod = config.environment === "prod";
    const zones = prod ? home.network.privateSubnetIds.slice(0, maxSearchZones) : home.network.privateSubnetIds.slice(0, 1);
    const domain = new SearchDomain(
        `shop-search-${regionCode(home.region)}`,
        {
            vpcId: home.network.vpcId,
            subnetIds: zones,
            allowedSecurityGroups: admittedGroups(home, config.stage.number, ["catalog"]),
            allowedCidrs: Object.fromEntries(others.map((cell) => [cell.region, cell.network.cidrBlock])),
            instanceType: config.sizing.searchInstanceType,
            production: config.protectData,
            logRetentionDays: config.sizing.logRetentionDays,
            createServiceLinkedRole: config.createSearchServiceLinkedRole,
            alarms: home.alarms,
        },
        { provider: home.provider },
    );
    const media = mediaBucket(`shop-media-${home.region}`, { production: config.protectData }, { provider: home.provider });
    // OpenSearch's password rules for internal users: 8 or more characters with an upper- and a lower-case letter, a digit and a special character.
    const appUser = generatedSecret(
        `shop-search-user-${home.region}`,
        {
            description: `Password of the ${searchUser} OpenSearch user`,
            password: { length: 32, minUpper: 1, minLower: 1, minNumeric: 1, minSpecial: 1, overrideSpecial: "!#%*-_=+" },
        },
        { provider: home.provider, protect: config.protectData },
    );
    const urlAs = (user: pulumi.Input<string>) => pulumi.interpolate`https://${user}@${domain.endpoint.apply((url) => url.replace(/^https:\/\//, ""))}`;
    // Every region's shop uses the home region's bucket: the catalog writes the pictures, the storefront's pages link to them by presigned URLs.
    const bucket = { SHOP_MEDIA_BUCKET: media.id, SHOP_MEDIA_REGION: home.region };
    const wiring: ServerWiring = {
        domain: "catalog",
        environment: { SHOP_SEARCH_URL: urlAs(searchUser), ...bucket },
        secrets: { SHOP_SEARCH_PASSWORD: { secretArn: appUser.secretArn, value: appUser.value, version: appUser.version } },
        egressPorts: [443],
        statements: mediaStatements(media),
    };
    // Presigning is done in the process: reading the pictures needs no port of its own.
    const pictures: ServerWiring = { domain: "pictures", environment: bucket, secrets: {}, egressPorts: [], statements: [pictureReading(media)] };
    const migrationWiring: ServerWiring = {
        domain: "catalog",
        environment: { SHOP_SEARCH_URL: urlAs(domain.username) },
        secrets: {
            SHOP_SEARCH_PASSWORD: { secretArn: domain.masterUserSecretArn, jsonKey: "password", value: domain.masterPassword },
            SHOP_ROLE_PASSWORD_SEARCH: { secretArn: appUser.secretArn, value: appUser.value, version: appUser.version },
        },
        egressPorts: [443],
    };
    // Apart from the catalog's only once the shop is cut into apps (stage 11): before, the one app has the catalog's.
    return { domain, media, wiringIn: () => (switchedOn(config.stage.number, "splitApps") ? [wiring, pictures] : [wiring]), migrationWiring };
}
