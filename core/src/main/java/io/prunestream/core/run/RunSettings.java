package io.prunestream.core.run;

import io.prunestream.core.train.RunSpec;
import java.io.Serializable;
import java.util.Objects;

/**
 * One run as a driver runs it: the pruning spec plus how often to evaluate, publish and compute
 * per-layer statistics.
 *
 * @param spec the pruning run
 * @param evalInterval evaluate on the held-out set every N iterations; 0 = never
 * @param publishInterval after pruning, publish a version every N iterations; 0 = only at the prune
 *     and at the end
 * @param statsInterval compute per-layer statistics every N iterations (at least 1)
 * @param guard what the run does when steps go non-finite
 */
public record RunSettings(
        RunSpec spec,
        long evalInterval,
        long publishInterval,
        long statsInterval,
        GuardSettings guard)
        implements Serializable {

    public RunSettings {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(guard, "guard");
        if (evalInterval < 0 || publishInterval < 0) {
            throw new IllegalArgumentException(
                    "run '"
                            + spec.runId()
                            + "': evaluation and publish intervals must be >= 0 (0 = off)");
        }
        statsInterval = Math.max(1, statsInterval);
    }

    /** Settings that never evaluate or publish on their own (loops that do it themselves). */
    public static RunSettings quiet(RunSpec spec) {
        return new RunSettings(spec, 0, 0, Long.MAX_VALUE, GuardSettings.DEFAULTS);
    }

    public String id() {
        return spec.runId();
    }
}
