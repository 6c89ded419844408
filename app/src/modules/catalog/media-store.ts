/**
 * Where product pictures live: the stack's S3 bucket when SHOP_MEDIA_BUCKET is set (stage 10),
 * a local directory otherwise. The bucket stays private; pages get presigned URLs, signed for
 * two hours from the start of the current hour, so that a picture's URL is the same for an
 * hour and browsers cache it. The shop never proxies the bytes.
 */
import { renameSync, writeFileSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";

export interface MediaStore {
    readonly kind: "s3" | "local";
    /** Where pages load pictures from, for the content security policy's img-src. */
    readonly imageOrigins: string[];
    exists(key: string): Promise<boolean>;
    put(key: string, body: string, contentType: string): Promise<void>;
    /** The URL a page shows for `key`. */
    url(key: string): Promise<string>;
    close(): void;
}

/** Keys the shop writes: products/<SKU>-v<n>.svg and the marker of a complete set. */
export const mediaKey = /^products\/[A-Za-z0-9._-]{1,80}$/;

export async function s3MediaStore(bucket: string, region: string): Promise<MediaStore> {
    // Loaded here: only a shop with a bucket pays for the S3 client's modules at its start.
    const [{ GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client }, { getSignedUrl }] = await Promise.all([
        import("@aws-sdk/client-s3"),
        import("@aws-sdk/s3-request-presigner"),
    ]);
    // A test server or another S3-compatible endpoint (AWS_ENDPOINT_URL_S3, read by the SDK itself) takes path-style addresses.
    const client = new S3Client({ region, forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined });
    const url = (key: string) => {
        const hour = new Date(Math.floor(Date.now() / 3600_000) * 3600_000);
        return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 2 * 3600, signingDate: hour });
    };
    const origin = new URL(await url("products/origin")).origin;
    return {
        kind: "s3",
        imageOrigins: [origin],
        async exists(key) {
            try {
                await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
                return true;
            } catch (err) {
                if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
                throw err;
            }
        },
        async put(key, body, contentType) {
            await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, CacheControl: "public, max-age=86400" }));
        },
        url,
        close: () => client.destroy(),
    };
}

export function localMediaStore(dir: string): MediaStore {
    const file = (key: string) => {
        if (!mediaKey.test(key)) throw new Error(`not a media key: ${key}`);
        return path.join(dir, key);
    };
    // The folders this process made: a set of pictures is a thousand files in one folder.
    const made = new Set<string>();
    /** Written whole then renamed: a page never reads half a picture. */
    const write = (target: string, body: string) => {
        const temporary = `${target}.${process.pid}.tmp`;
        writeFileSync(temporary, body);
        renameSync(temporary, target);
    };
    return {
        kind: "local",
        imageOrigins: [],
        exists: (key) =>
            fs.access(file(key)).then(
                () => true,
                () => false,
            ),
        async put(key, body) {
            const target = file(key);
            const folder = path.dirname(target);
            if (!made.has(folder)) {
                await fs.mkdir(folder, { recursive: true });
                made.add(folder);
            }
            // Synchronous calls, then a turn of the event loop: a picture is a few kilobytes into the page cache, and the
            // promise API's trips through the thread pool (open, write, close, rename) cost three times the CPU of the
            // calls themselves, over the thousand pictures a start stores.
            try {
                write(target, body);
            } catch (err) {
                // Its folder was removed since (a cleaner of the temporary directory): made again.
                if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
                await fs.mkdir(folder, { recursive: true });
                write(target, body);
            }
            await new Promise((resolve) => setImmediate(resolve));
        },
        url: async (key) => `/media/${key}`,
        close: () => undefined,
    };
}
