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
 * @param evaluation a held-out window from the stream and prequential scores, or neither
 * @param cycles a continuous run's cycles ({@code prune.schedule: continuous}); null for a run that
 *     prunes once, as its schedule says
 */
public record RunSettings(
        RunSpec spec,
        long evalInterval,
        long publishInterval,
        long statsInterval,
        GuardSettings guard,
        Evaluation evaluation,
        CycleSettings cycles)
        implements Serializable {

    /** A run that prunes once and evaluates on the driver's fixed held-out set. */
    public RunSettings(
            RunSpec spec,
            long evalInterval,
            long publishInterval,
            long statsInterval,
            GuardSettings guard) {
        this(spec, evalInterval, publishInterval, statsInterval, guard, Evaluation.FIXED, null);
    }

    public RunSettings {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(guard, "guard");
        Objects.requireNonNull(evaluation, "evaluation");
        if (cycles != null) {
            checkContinuous(spec, evalInterval);
        }
        if (evalInterval < 0 || publishInterval < 0) {
            throw new IllegalArgumentException(
                    "run '"
                            + spec.runId()
                            + "': evaluation and publish intervals must be >= 0 (0 = off)");
        }
        statsInterval = Math.max(1, statsInterval);
    }

    /** The combinations a continuous run cannot have, each named by its key. */
    private static void checkContinuous(RunSpec spec, long evalInterval) {
        String run = "run '" + spec.runId() + "': ";
        if (!spec.schedule().timeline().prunes()
                || spec.schedule().timeline().regularizeStart() < 0) {
            throw new IllegalArgumentException(
                    run
                            + "config key 'prune.method' is "
                            + spec.schedule().method()
                            + ", but prune.schedule continuous prunes in GReg cycles: use greg1"
                            + " or greg2, or prune.schedule: once");
        }
        if (spec.granularity() != io.prunestream.core.schedule.Granularity.FILTER) {
            throw new IllegalArgumentException(
                    run
                            + "config key 'prune.granularity' is "
                            + spec.granularity()
                            + ", but prune.schedule continuous removes filters cycle after cycle:"
                            + " use filter, or prune.schedule: once");
        }
        if (evalInterval <= 0) {
            throw new IllegalArgumentException(
                    run
                            + "config key 'prune.eval.interval' is "
                            + evalInterval
                            + ", but a continuous run watches its accuracy between cycles: use"
                            + " e.g. 100");
        }
    }

    public boolean continuous() {
        return cycles != null;
    }

    /** Settings that never evaluate or publish on their own (loops that do it themselves). */
    public static RunSettings quiet(RunSpec spec) {
        return new RunSettings(spec, 0, 0, Long.MAX_VALUE, GuardSettings.DEFAULTS);
    }

    public String id() {
        return spec.runId();
    }
}
