/**
 * Where the shop may send a visitor after a form (`next`): a path on this site, written in
 * the characters a URL path and query may hold. Anything else, such as `//evil.example`,
 * `/\evil.example`, `/%09/evil.example` (a tab the browser drops, making `//evil.example`)
 * or a CR/LF that would split the Location header, gives the home page.
 */
import { controlCharacters } from "./input-rules";

const pathAndQuery = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*$/;

export function safeRedirectTarget(next: unknown, fallback = "/"): string {
    if (typeof next !== "string" || next.length > 2000 || !pathAndQuery.test(next)) return fallback;
    // Decoded once more (a browser may), it must still be a path of this site.
    let decoded: string;
    try {
        decoded = decodeURIComponent(next);
    } catch {
        return fallback;
    }
    if (/^\/[/\\]/.test(decoded) || controlCharacters.line.test(decoded)) return fallback;
    return new URL(next, "http://shop.invalid").origin === "http://shop.invalid" ? next : fallback;
}
