/** Each feature flag's state in /metrics, and whether its source could be read. */
import { Gauge, Registry } from "prom-client";
import { FeatureFlags, flagNames } from "./feature-flags";

export function registerFlagMetrics(registry: Registry, flags: FeatureFlags): void {
    new Gauge({
        name: "shop_feature_enabled",
        help: "1 when the feature is on, 0 when its flag switched it off",
        labelNames: ["feature"],
        registers: [registry],
        collect() {
            for (const name of flagNames) this.set({ feature: name }, flags.enabled(name) ? 1 : 0);
        },
    });
    new Gauge({
        name: "shop_feature_flags_source_up",
        help: "1 when the last read of the flags' source (SSM parameter or file) succeeded, 0 when the flags keep their last state",
        registers: [registry],
        collect() {
            this.set(flags.sourceReadable ? 1 : 0);
        },
    });
}
