package io.prunestream.core.schedule;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;

/**
 * The iterations at which a schedule changes phase. Iterations count training steps from 0. A value
 * of -1 means the phase never happens.
 *
 * @param regularizeStart first REGULARIZE iteration (and the GReg-1 pick)
 * @param growthUpdates GReg-1: updates until lambda exceeds tau; GReg-2: push updates
 * @param pickUpdates GReg-2: uniform updates until lambda reaches tau'
 * @param pickIteration GReg-2's PICK iteration
 * @param stabilizeStart first STABILIZE iteration
 * @param pruneIteration the PRUNE iteration; FINETUNE follows
 */
public record Timeline(
        long regularizeStart,
        long growthUpdates,
        long pickUpdates,
        long pickIteration,
        long stabilizeStart,
        long pruneIteration) {

    /**
     * The state at {@code t} when it lies outside the penalty phases: TRAIN during the warm-up,
     * PRUNE at the prune iteration and FINETUNE after it; empty in between, where the schedule
     * decides.
     */
    Optional<ScheduleState> outsidePenalty(long t) {
        NoPruning.check(t);
        if (t < regularizeStart) {
            return Optional.of(ScheduleState.plain(t, Phase.TRAIN));
        }
        if (t < pruneIteration) {
            return Optional.empty();
        }
        boolean prune = t == pruneIteration;
        return Optional.of(
                new ScheduleState(t, prune ? Phase.PRUNE : Phase.FINETUNE, 0, 0, 0, false, prune));
    }

    /** Whether the run is ever pruned. */
    public boolean prunes() {
        return pruneIteration >= 0;
    }

    /** Smallest n >= 1 with base + n*delta > ceiling. */
    static long updatesToExceed(BigDecimal base, double delta, double ceiling) {
        BigDecimal room = BigDecimal.valueOf(ceiling).subtract(base);
        if (room.signum() < 0) {
            return 1;
        }
        return room.divide(BigDecimal.valueOf(delta), 0, RoundingMode.FLOOR).longValueExact() + 1;
    }

    /** Smallest n >= 1 with n*delta >= ceiling. */
    static long updatesToReach(double delta, double ceiling) {
        return Math.max(
                1,
                BigDecimal.valueOf(ceiling)
                        .divide(BigDecimal.valueOf(delta), 0, RoundingMode.CEILING)
                        .longValueExact());
    }
}
