package io.prunestream.core.schedule;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Map;

/**
 * A pruning method's schedule: a pure function of the iteration that gives the phase, the penalty
 * factors and the actions (pick, prune) of each training step. One type per method; each owns its
 * timeline and validates its parameters. Phases depend on the iteration only (the authors can also
 * stop growth when the kept/pruned magnitude ratio passes 1000; here that ratio is reported, not
 * fed back), so a stream processor can run the schedule without a feedback loop.
 */
public sealed interface PruningSchedule extends Serializable
        permits GReg1, GReg2, OneShotL1, NoPruning {

    PruningMethod method();

    /** Plain training iterations before the schedule's first action (0 where it has none). */
    long warmup();

    /**
     * The same schedule with another warm-up: a continuous run starts each pruning cycle with its
     * schedule from {@code withWarmup(0)} on the already pruned network.
     */
    PruningSchedule withWarmup(long warmup);

    /** The iterations at which the phases change. */
    Timeline timeline();

    /** The state of iteration {@code t}. */
    ScheduleState at(long t);

    default ScheduleState initial() {
        return at(0);
    }

    /** The state for the iteration after {@code s}. */
    default ScheduleState next(ScheduleState s) {
        return at(s.iteration() + 1);
    }

    /**
     * Whether the trainer should also note which groups importance would pick when regularisation
     * starts (GReg-2, whose real pick comes later: the overlap is reported).
     */
    default boolean comparesPickWithStart() {
        return false;
    }

    /** The parameters this schedule uses, by their configuration key under {@code prune.}. */
    Map<String, Object> parameters();

    /** Throws a message that names the field, the value and the fix. */
    static void check(boolean ok, String field, Object value, String fix) {
        if (!ok) {
            throw new IllegalArgumentException(
                    "invalid " + field + ": " + value + " (" + fix + ")");
        }
    }

    /** delta * k without binary rounding drift (k updates of 0.1 give exactly 0.1 * k). */
    static double times(double delta, long k) {
        return BigDecimal.valueOf(delta).multiply(BigDecimal.valueOf(k)).doubleValue();
    }

    static void checkPenalty(double penalty) {
        check(
                penalty >= 0 && Double.isFinite(penalty),
                "penalty scale",
                penalty,
                "use 1 (the method) or 0 (the timeline without penalty, a control)");
    }
}
