/**
 * Feature flags: the features worth switching off under load or fault, read at run time from
 * one JSON document (an SSM parameter from stage 11, `SHOP_FLAGS_PARAMETER`; a local file on the
 * embedded default, `SHOP_FLAGS_FILE`) and read again every few seconds, so that a flipped flag
 * takes effect without a restart. A flag missing from the document is on. Until the document has
 * been read once, or when it cannot be read or parsed, the flags keep the last state read (every
 * feature on before the first): a broken source never switches features by itself. Each change
 * of state is logged once, never per request.
 */
import { FastifyBaseLogger } from "fastify";

export const featureFlags = {
    opensearch: "Search on OpenSearch; off: PostgreSQL answers every search",
    reviews: "Product reviews; off: pages show a short notice instead, the reviews API answers 503",
    cacheLevel2: "The cache's level 2 (Redis); off: level 1 and the database answer",
    signups: "New accounts; off: registration shows a short notice, sign-in still works",
} as const;
export type FeatureFlag = keyof typeof featureFlags;

/** What pages and the API say while a feature a visitor would see is switched off. */
export const switchedOffNotices = {
    reviews: "Reviews are switched off for the moment; they will be back shortly.",
    signups: "New accounts are paused for the moment; if you have one, you can sign in.",
} as const;
export const flagNames = Object.keys(featureFlags) as FeatureFlag[];

/** How often the source is read again unless SHOP_FLAGS_REFRESH_SECONDS says otherwise. */
export const defaultFlagsRefreshMs = 5_000;

/** Reads the flags document's text; throws when it cannot. */
export type FlagsSource = { describe: string; read: () => Promise<string> };

export interface FlagsDocument {
    flags: Partial<Record<FeatureFlag, boolean>>;
    /** Entries ignored: unknown names, values that are not true or false. */
    problems: string[];
}

/** The document's flags; throws naming the problem if it is not a JSON object. */
export function parseFlags(text: string): FlagsDocument {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (err) {
        throw new Error(`not JSON: ${(err as Error).message}`, { cause: err });
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new Error(`expected a JSON object of flags such as {"reviews": false} (got ${text.slice(0, 60)})`);
    const flags: Partial<Record<FeatureFlag, boolean>> = {};
    const problems: string[] = [];
    for (const [name, value] of Object.entries(parsed)) {
        if (!(flagNames as string[]).includes(name)) problems.push(`unknown flag ${JSON.stringify(name)} (known: ${flagNames.join(", ")})`);
        else if (typeof value !== "boolean") problems.push(`${name}: expected true or false (got ${JSON.stringify(value)})`);
        else flags[name as FeatureFlag] = value;
    }
    return { flags, problems };
}

export class FeatureFlags {
    private state = Object.fromEntries(flagNames.map((n) => [n, true])) as Record<FeatureFlag, boolean>;
    private everRead = false;
    /** The problem of the last read, undefined when it succeeded. */
    private problem: string | undefined;
    /** The entries the last document read had ignored, logged when they change. */
    private ignored = "";
    private timer: NodeJS.Timeout | undefined;

    constructor(
        private readonly source: FlagsSource | undefined,
        private readonly log: FastifyBaseLogger,
    ) {}

    enabled(flag: FeatureFlag): boolean {
        return this.state[flag];
    }

    get states(): Readonly<Record<FeatureFlag, boolean>> {
        return this.state;
    }

    /** Whether the last read of the source succeeded (no source: true). */
    get sourceReadable(): boolean {
        return this.source === undefined || (this.everRead && this.problem === undefined);
    }

    /** Reads the source now, then every `everyMs`. Resolves after the first read, whatever its outcome. */
    async start(everyMs = defaultFlagsRefreshMs): Promise<void> {
        if (!this.source || this.timer) return;
        await this.refresh();
        const tick = () => {
            this.timer = setTimeout(() => void this.refresh().finally(() => this.timer !== undefined && tick()), everyMs);
            this.timer.unref();
        };
        tick();
    }

    stop(): void {
        clearTimeout(this.timer);
        this.timer = undefined;
    }

    async refresh(): Promise<void> {
        if (!this.source) return;
        let document: FlagsDocument;
        try {
            document = parseFlags(await this.source.read());
        } catch (err) {
            this.failed(`${this.source.describe}: ${(err as Error).message}`);
            return;
        }
        if (this.problem !== undefined) this.log.info({ source: this.source.describe }, "feature flags: source read again");
        this.everRead = true;
        this.problem = undefined;
        const next = Object.fromEntries(flagNames.map((n) => [n, document.flags[n] ?? true])) as Record<FeatureFlag, boolean>;
        const changed = flagNames.filter((n) => next[n] !== this.state[n]);
        this.state = next;
        if (changed.length > 0) this.log.warn({ flags: Object.fromEntries(changed.map((n) => [n, next[n]])) }, "feature flags changed");
        const ignored = document.problems.join("; ");
        if (ignored && ignored !== this.ignored) this.log.warn({ problems: document.problems }, "feature flags: entries ignored");
        this.ignored = ignored;
    }

    private failed(problem: string): void {
        // Once per outage (and again if its cause changes), never per request or per read: a source down must not flood the logs.
        if (problem !== this.problem)
            this.log.warn(
                { problem, flags: this.state },
                this.everRead
                    ? "feature flags: source unreadable; keeping the state last read"
                    : "feature flags: source unreadable; every feature on (the shop's normal state) until it can be read",
            );
        this.problem = problem;
    }
}
