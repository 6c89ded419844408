/**
 * A circuit breaker per remote service (stages 11-13): after `failures` failures in a row it
 * opens, and calls fail at once instead of waiting on a service that is down; after
 * `openMs` one trial call is let through (half open), and its success closes the breaker.
 * `onOpen` hears each time it opens: the shop logs it, and CloudWatch counts the lines.
 */
export type BreakerState = "closed" | "open" | "half-open";

export class CircuitBreaker {
    private consecutiveFailures = 0;
    private openedAt = 0;
    private trialInFlight = false;
    private current: BreakerState = "closed";

    constructor(
        private readonly failures = 5,
        private readonly openMs = 5000,
        private readonly onOpen?: () => void,
    ) {}

    get state(): BreakerState {
        if (this.current === "open" && Date.now() - this.openedAt >= this.openMs) this.current = "half-open";
        return this.current;
    }

    /** Whether a call may go out now; in half-open state only one trial at a time. */
    allows(): boolean {
        const state = this.state;
        if (state === "closed") return true;
        if (state === "half-open" && !this.trialInFlight) {
            this.trialInFlight = true;
            return true;
        }
        return false;
    }

    succeeded(): void {
        this.consecutiveFailures = 0;
        this.trialInFlight = false;
        this.current = "closed";
    }

    failed(): void {
        this.trialInFlight = false;
        this.consecutiveFailures++;
        if (this.current === "half-open" || this.consecutiveFailures >= this.failures) {
            const opening = this.current !== "open";
            this.current = "open";
            this.openedAt = Date.now();
            if (opening) this.onOpen?.();
        }
    }
}
