import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { intRange, Problems } from "../validation";

export interface ShopImageBuild {
    /** The build context: the repository root, where the lockfile lives. */
    context: string;
    /** The Dockerfile, relative to the context. @default "app/Dockerfile" */
    dockerfile?: string;
    /** The platform the nodes run. @default "linux/amd64" */
    platform?: "linux/amd64" | "linux/arm64";
    /** Files and folders (relative to the context) whose content names the tag. @default the shop's sources, manifests and lockfile */
    inputs?: string[];
    /**
     * The commit the image is built from, in its `org.opencontainers.image.revision` label (the
     * Dockerfile's REVISION argument): a release is that commit (docs/decisions.md).
     * @default the last commit that changed the inputs, "-dirty" when they have uncommitted changes
     */
    revision?: string;
}

export interface ShopImageArgs {
    /** Build the image from source and push it into a new ECR repository (dev). */
    build?: ShopImageBuild;
    /**
     * Promote instead of build: an image reference by digest (`registry/repo@sha256:<64 hex>`),
     * the one that dev built and tested, used unchanged (prod).
     */
    promote?: string;
    /** The repository's name. @default "shop" */
    repositoryName?: string;
    /** Images kept in the repository; older ones expire (1-1000). @default 30 */
    keepImages?: number;
    /** Other AWS accounts (such as prod's) allowed to pull, for promotion. @default [] */
    pullAccountIds?: string[];
    /** Delete the repository even when it holds images (dev). @default false */
    forceDelete?: boolean;
    tags?: Record<string, string>;
}

/** The files the shop's image is built from: a change to any of them is a new image. */
export const defaultImageInputs = [
    "app/Dockerfile",
    "app/package.json",
    "app/tsconfig.json",
    "app/tsconfig.build.json",
    "app/src",
    "package.json",
    "package-lock.json",
];

/** An image reference by digest, as ECR gives it: `registry/repository@sha256:<64 hex digits>`. */
export const digestReference = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+@sha256:[a-f0-9]{64}$/;

/**
 * The shop's container image, built once and promoted unchanged: in dev, an ECR repository
 * (scan on push, immutable tags, a lifecycle policy) and a Docker build of `app/` pushed with
 * an ECR authorization token, tagged by the content of its sources; in prod, the digest that
 * dev built. Either way the output is a reference by digest, `repo@sha256:...`, so a
 * deployment names exactly the bytes that were tested.
 */
export class ShopImage extends pulumi.ComponentResource {
    /** The image by digest. */
    readonly imageRef: pulumi.Output<string>;
    /** The repository's URL, when this component built the image. */
    readonly repositoryUrl?: pulumi.Output<string>;

    constructor(name: string, args: ShopImageArgs, opts?: pulumi.ComponentResourceOptions) {
        validate(name, args);
        super("shop:containers:ShopImage", name, {}, opts);

        if (args.promote) {
            this.imageRef = pulumi.output(args.promote);
            this.registerOutputs({ imageRef: this.imageRef });
            return;
        }

        const build = args.build!;
        const tags = args.tags ?? {};
        const parent = { parent: this };
        const repository = new aws.ecr.Repository(
            name,
            {
                name: args.repositoryName ?? "shop",
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "AES256" }],
                forceDelete: args.forceDelete ?? false,
                tags,
            },
            parent,
        );
        new aws.ecr.LifecyclePolicy(
            name,
            {
                repository: repository.name,
                policy: JSON.stringify({
                    rules: [
                        {
                            rulePriority: 1,
                            description: `Keep the last ${args.keepImages ?? 30} images`,
                            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: args.keepImages ?? 30 },
                            action: { type: "expire" },
                        },
                    ],
                }),
            },
            parent,
        );
        if (args.pullAccountIds && args.pullAccountIds.length > 0) {
            new aws.ecr.RepositoryPolicy(
                name,
                {
                    repository: repository.name,
                    policy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "PullForPromotion",
                                Effect: "Allow",
                                Principal: { AWS: args.pullAccountIds.map((id) => `arn:aws:iam::${id}:root`) },
                                Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                            },
                            {
                                // Those accounts' Lambda functions from this image (the migrations) pull it through the Lambda service.
                                Sid: "LambdaPullForPromotion",
                                Effect: "Allow",
                                Principal: { Service: "lambda.amazonaws.com" },
                                Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                                Condition: { StringLike: { "aws:sourceARN": args.pullAccountIds.map((id) => `arn:aws:lambda:*:${id}:function:*`) } },
                            },
                        ],
                    }),
                },
                parent,
            );
        }

        const token = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, parent);
        const image = new docker.Image(
            name,
            {
                // Tags are immutable: the tag is the sources' content hash, so the same sources never push twice.
                imageName: pulumi.interpolate`${repository.repositoryUrl}:${sourceTag(build.context, build.inputs ?? defaultImageInputs)}`,
                build: {
                    context: build.context,
                    dockerfile: path.join(build.context, build.dockerfile ?? "app/Dockerfile"),
                    platform: build.platform ?? "linux/amd64",
                    builderVersion: "BuilderBuildKit",
                    args: { REVISION: build.revision ?? sourceRevision(build.context, build.inputs ?? defaultImageInputs) },
                },
                registry: { server: repository.repositoryUrl, username: token.userName, password: pulumi.secret(token.password) },
            },
            parent,
        );
        this.imageRef = image.repoDigest;
        this.repositoryUrl = repository.repositoryUrl;
        this.registerOutputs({ imageRef: this.imageRef, repositoryUrl: this.repositoryUrl });
    }
}

/**
 * The last commit that changed the build's inputs (so that the same sources carry the same label,
 * and the immutable tag is never pushed twice), "-dirty" when they have changes not committed, and
 * "unknown" outside a git checkout.
 */
export function sourceRevision(context: string, inputs: string[]): string {
    const git = (args: string[]) => spawnSync("git", ["-C", context, ...args], { encoding: "utf8" });
    const log = git(["log", "-1", "--format=%H", "--", ...inputs]);
    const commit = log.status === 0 ? log.stdout.trim() : "";
    if (commit === "") return "unknown";
    return git(["status", "--porcelain", "--", ...inputs]).stdout.trim() === "" ? commit : `${commit}-dirty`;
}

/** A tag from the content of the build's input files: "src-" and 16 hex digits. */
export function sourceTag(context: string, inputs: string[]): string {
    const hash = createHash("sha256");
    const visit = (relative: string) => {
        const full = path.join(context, relative);
        if (fs.statSync(full).isDirectory()) {
            for (const entry of fs.readdirSync(full).sort()) visit(path.join(relative, entry));
        } else {
            hash.update(`${relative.split(path.sep).join("/")}\0`)
                .update(fs.readFileSync(full))
                .update("\0");
        }
    };
    for (const input of inputs) visit(input);
    return `src-${hash.digest("hex").slice(0, 16)}`;
}

function validate(name: string, args: ShopImageArgs): void {
    const problems = new Problems();
    problems.check(!args.build === !args.promote, "exactly one of build (dev) and promote (prod) is needed");
    if (args.promote !== undefined)
        problems.check(
            !digestReference.test(args.promote),
            `promote: expected an image reference by digest, registry/repository@sha256:<64 hex digits> (got "${args.promote}")`,
        );
    if (args.build) {
        const missing = (args.build.inputs ?? defaultImageInputs).filter((p) => !fs.existsSync(path.join(args.build!.context, p)));
        problems.check(missing.length > 0, `build.context: ${args.build.context} lacks ${missing.join(", ")}`);
        const dockerfile = path.join(args.build.context, args.build.dockerfile ?? "app/Dockerfile");
        problems.check(!fs.existsSync(dockerfile), `build.dockerfile: ${dockerfile} does not exist`);
    }
    if (args.keepImages !== undefined) problems.expect("keepImages", intRange(1, 1000), args.keepImages);
    if (args.repositoryName !== undefined)
        problems.check(
            !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(args.repositoryName) || args.repositoryName.length > 256,
            `repositoryName: expected lowercase letters, digits and . _ - / separators (got "${args.repositoryName}")`,
        );
    for (const id of args.pullAccountIds ?? []) problems.check(!/^\d{12}$/.test(id), `pullAccountIds: expected 12-digit account ids (got "${id}")`);
    problems.throwIfAny("ShopImage", name);
}
