/** Everything the lab started, in the order it started, so that it stops in the reverse order and nothing is left running. */

export interface Part {
    /** What it is, e.g. `postgres orders`, `shop app 2`, `nginx 1`. */
    name: string;
    /** What it does in the stage, e.g. `writer (orders, catalog...)`, `modules web,catalog`. */
    role: string;
    /** The fault-menu role it answers to (`--kill <role>`), if it can be killed on purpose. */
    killAs?: string;
    region?: string;
    port: number;
    url: string;
    /** A shop process's /metrics. */
    metricsUrl?: string;
    stop(): Promise<void>;
    /** Stops it abruptly, as a failed node. */
    kill?(): Promise<void>;
}

export class Started {
    readonly parts: Part[] = [];
    private readonly cleanups: (() => void)[] = [];

    /** `onAdd` hears of each part as it comes up (a stage with OpenSearch takes a minute). */
    constructor(private readonly onAdd?: (part: Part) => void) {}

    add<T extends Part>(part: T): T {
        this.parts.push(part);
        this.onAdd?.(part);
        return part;
    }

    /** `cleanup` runs once every part has stopped (a data directory goes once no server writes it). */
    afterStopping(cleanup: () => void): void {
        this.cleanups.push(cleanup);
    }

    /** Stops every part, the last started first, then cleans up; a part that fails to stop does not keep the others running. */
    async stopAll(): Promise<void> {
        const problems: string[] = [];
        for (const part of [...this.parts].reverse()) {
            await part.stop().catch((err: Error) => problems.push(`${part.name}: ${err.message}`));
        }
        this.parts.length = 0;
        for (const cleanup of this.cleanups.splice(0)) {
            try {
                cleanup();
            } catch (err) {
                problems.push((err as Error).message);
            }
        }
        if (problems.length > 0) throw new Error(`some parts did not stop cleanly: ${problems.join("; ")}`);
    }

    /** Stops the parts that `matches` selects, newest first, and forgets them. */
    async stopWhere(matches: (part: Part) => boolean): Promise<void> {
        for (const part of [...this.parts].reverse().filter(matches)) {
            await part.stop();
            this.parts.splice(this.parts.indexOf(part), 1);
        }
    }
}

/**
 * Like Promise.all, but waits for every start to settle before it throws: a part that comes up
 * after another one failed is then already on the list, and stops with the rest.
 */
export async function allStarted<T>(starts: Promise<T>[]): Promise<T[]> {
    const results = await Promise.allSettled(starts);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
