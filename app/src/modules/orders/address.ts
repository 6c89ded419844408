/** The address an order ships to: a person's name, a street, a city, a postal code and a country (ISO 3166-1 alpha-2). */
import { ClientError } from "../../http/client-error";

export interface Address {
    name: string;
    street: string;
    city: string;
    postalCode: string;
    country: string;
}

// ISO 3166-1 alpha-2, the officially assigned codes.
const countries = new Set(
    `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN
     CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN
     HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM
     MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC
     SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS
     YE YT ZA ZM ZW`.split(/\s+/),
);

export const addressSchema = {
    type: "object",
    properties: {
        name: { type: "string", minLength: 1, maxLength: 100, pattern: "\\S" },
        street: { type: "string", minLength: 1, maxLength: 200, pattern: "\\S" },
        city: { type: "string", minLength: 1, maxLength: 100, pattern: "\\S" },
        postalCode: { type: "string", minLength: 1, maxLength: 12, pattern: "^[A-Za-z0-9][A-Za-z0-9 -]*$" },
        country: { type: "string", minLength: 2, maxLength: 2 },
    },
    required: ["name", "street", "city", "postalCode", "country"],
    additionalProperties: false,
} as const;

/** The address with its country upper-cased, or a 400 naming the country when ISO 3166 has no such code. */
export function checkedAddress(address: Address): Address {
    const country = address.country.toUpperCase();
    if (!countries.has(country)) throw new ClientError(400, `country must be a two-letter ISO 3166 country code, such as US or DE (got ${address.country})`);
    return { name: address.name.trim(), street: address.street.trim(), city: address.city.trim(), postalCode: address.postalCode.trim(), country };
}
