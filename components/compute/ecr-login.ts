import { shellQuote } from "./shell";

const ecrHost = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com(?:\.cn)?$/;

/**
 * The ECR registry an image lives in, with that registry's region, or undefined for an image
 * elsewhere. A token is good only for the region that issued it: an instance in another
 * region (stage 9), or another account (prod pulling dev's image), logs in to the registry's
 * region, not its own.
 */
export function ecrRegistryOf(image: string): { host: string; accountId: string; region: string } | undefined {
    const host = image.split("/")[0];
    const match = ecrHost.exec(host);
    return match ? { host, accountId: match[1], region: match[2] } : undefined;
}

/** The shell line that logs Docker in to the image's ECR registry, or "" for an image elsewhere. */
export function ecrLoginLine(image: string): string {
    const registry = ecrRegistryOf(image);
    if (!registry) return "";
    return `aws ecr get-login-password --region ${shellQuote(registry.region)} | docker login --username AWS --password-stdin ${shellQuote(registry.host)}\n`;
}
