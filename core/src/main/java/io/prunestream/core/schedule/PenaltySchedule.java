package io.prunestream.core.schedule;

import java.math.BigDecimal;

/**
 * The GReg penalty schedules as pure functions of configuration and iteration.
 *
 * <p>Penalty updates happen every K_u iterations from the start of REGULARIZE, the first one at
 * that start (the authors' {@code iter % interval == 0}). GReg-1 adds delta-lambda to the pruned
 * groups until lambda exceeds tau; the next update slot starts STABILIZE, and K_s iterations later
 * the groups are pruned. GReg-2 first grows every group's lambda by the pick delta until it reaches
 * tau'; the next slot is PICK (pruned groups chosen by L1 of the regularised weights, kept groups
 * set to the recover value); from there the pruned lambda grows by delta-lambda per slot until it
 * exceeds tau, then STABILIZE and PRUNE as in GReg-1. The authors can also stop growth early when
 * the kept/pruned magnitude ratio passes 1000; here phases depend on the iteration only (the ratio
 * is reported, not fed back), so a stream processor can run the schedule without a feedback loop.
 */
public final class PenaltySchedule {
    private PenaltySchedule() {}

    public static ScheduleState initial(ScheduleConfig config) {
        return at(config, 0);
    }

    /** The state for the iteration after {@code state}. */
    public static ScheduleState next(ScheduleConfig config, ScheduleState state) {
        return at(config, state.iteration() + 1);
    }

    /** The state of iteration {@code t}. */
    public static ScheduleState at(ScheduleConfig c, long t) {
        if (t < 0) {
            throw new IllegalArgumentException("iteration must be >= 0, got " + t);
        }
        Timeline tl = Timeline.of(c);
        long ku = c.updateInterval();
        switch (c.method()) {
            case NONE:
                return plain(t, Phase.TRAIN);
            case ONESHOT_L1:
                if (t < tl.pruneIteration()) {
                    return plain(t, Phase.TRAIN);
                }
                if (t == tl.pruneIteration()) {
                    return new ScheduleState(t, Phase.PRUNE, 0, 0, 0, true, true);
                }
                return plain(t, Phase.FINETUNE);
            case GREG1:
                {
                    if (t < tl.regularizeStart()) {
                        return plain(t, Phase.TRAIN);
                    }
                    if (t >= tl.pruneIteration()) {
                        return pruneOrFinetune(t, tl);
                    }
                    long k = Math.min(tl.growthUpdates(), (t - tl.regularizeStart()) / ku + 1);
                    double lp = times(c.deltaLambda(), k);
                    Phase p = t < tl.stabilizeStart() ? Phase.REGULARIZE : Phase.STABILIZE;
                    return new ScheduleState(t, p, lp, 0, k, t == tl.regularizeStart(), false);
                }
            case GREG2:
                {
                    if (t < tl.regularizeStart()) {
                        return plain(t, Phase.TRAIN);
                    }
                    if (t >= tl.pruneIteration()) {
                        return pruneOrFinetune(t, tl);
                    }
                    if (t < tl.pickIteration()) {
                        long k = (t - tl.regularizeStart()) / ku + 1;
                        double l = times(c.deltaLambdaPick(), k);
                        return new ScheduleState(t, Phase.REGULARIZE, l, l, k, false, false);
                    }
                    long j = Math.min(tl.growthUpdates(), (t - tl.pickIteration()) / ku);
                    double lp =
                            Timeline.dec(c.deltaLambdaPick())
                                    .multiply(BigDecimal.valueOf(tl.pickUpdates()))
                                    .add(
                                            Timeline.dec(c.deltaLambda())
                                                    .multiply(BigDecimal.valueOf(j)))
                                    .doubleValue();
                    Phase p =
                            t == tl.pickIteration()
                                    ? Phase.PICK
                                    : t < tl.stabilizeStart() ? Phase.REGULARIZE : Phase.STABILIZE;
                    return new ScheduleState(
                            t, p, lp, c.lambdaRecover(), j, t == tl.pickIteration(), false);
                }
            default:
                throw new IllegalStateException("unhandled method " + c.method());
        }
    }

    private static ScheduleState plain(long t, Phase p) {
        return new ScheduleState(t, p, 0, 0, 0, false, false);
    }

    private static ScheduleState pruneOrFinetune(long t, Timeline tl) {
        boolean prune = t == tl.pruneIteration();
        return new ScheduleState(t, prune ? Phase.PRUNE : Phase.FINETUNE, 0, 0, 0, false, prune);
    }

    private static double times(double delta, long k) {
        return Timeline.dec(delta).multiply(BigDecimal.valueOf(k)).doubleValue();
    }
}
