package io.prunestream.core.schedule;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GReg-2: every group's lambda first grows by the pick delta until it reaches tau'; the next slot
 * is PICK (pruned groups chosen by importance of the regularised weights, kept groups set to the
 * recover value); from there the pruned lambda grows by delta per slot until it exceeds tau, then
 * STABILIZE and PRUNE as in GReg-1.
 *
 * @param warmup plain training iterations first
 * @param interval K_u
 * @param pickDelta uniform growth per update before the pick
 * @param pickCeiling tau'
 * @param recover lambda of the kept groups after the pick
 * @param delta delta-lambda of the push
 * @param ceiling tau
 * @param stabilize K_s
 * @param penalty lambda multiplier: 1, or 0 for the no-penalty control
 */
public record GReg2(
        long warmup,
        int interval,
        double pickDelta,
        double pickCeiling,
        double recover,
        double delta,
        double ceiling,
        long stabilize,
        double penalty)
        implements PruningSchedule {

    public GReg2 {
        GReg1.checkGrowth(warmup, interval, delta, ceiling, stabilize);
        PruningSchedule.check(
                pickDelta > 0 && Double.isFinite(pickDelta),
                "GReg-2 pick delta-lambda",
                pickDelta,
                "use a positive value such as 1e-5");
        PruningSchedule.check(
                pickCeiling > 0 && pickCeiling < ceiling,
                "GReg-2 pick ceiling tau'",
                pickCeiling,
                "use a value in (0, tau=" + ceiling + ")");
        PruningSchedule.check(
                Double.isFinite(recover), "GReg-2 recover lambda", recover, "use e.g. -1e-4");
        PruningSchedule.checkPenalty(penalty);
    }

    @Override
    public PruningMethod method() {
        return PruningMethod.GREG2;
    }

    @Override
    public boolean comparesPickWithStart() {
        return true;
    }

    @Override
    public GReg2 withWarmup(long w) {
        return new GReg2(
                w, interval, pickDelta, pickCeiling, recover, delta, ceiling, stabilize, penalty);
    }

    @Override
    public Timeline timeline() {
        long nPick = Timeline.updatesToReach(pickDelta, pickCeiling);
        long pick = warmup + nPick * interval;
        long j = Timeline.updatesToExceed(uniformLambda(nPick), delta, ceiling);
        long stab = pick + (j + 1) * interval;
        return new Timeline(warmup, j, nPick, pick, stab, stab + stabilize);
    }

    private BigDecimal uniformLambda(long updates) {
        return BigDecimal.valueOf(pickDelta).multiply(BigDecimal.valueOf(updates));
    }

    @Override
    public ScheduleState at(long t) {
        Timeline tl = timeline();
        return tl.outsidePenalty(t).orElseGet(() -> penalized(t, tl));
    }

    /** The state at an iteration between the warm-up and the prune. */
    private ScheduleState penalized(long t, Timeline tl) {
        if (t < tl.pickIteration()) {
            long k = (t - warmup) / interval + 1;
            double l = PruningSchedule.times(pickDelta, k) * penalty;
            return new ScheduleState(t, Phase.REGULARIZE, l, l, k, false, false);
        }
        long j = Math.min(tl.growthUpdates(), (t - tl.pickIteration()) / interval);
        double lp =
                uniformLambda(tl.pickUpdates())
                                .add(BigDecimal.valueOf(delta).multiply(BigDecimal.valueOf(j)))
                                .doubleValue()
                        * penalty;
        Phase p =
                t == tl.pickIteration()
                        ? Phase.PICK
                        : t < tl.stabilizeStart() ? Phase.REGULARIZE : Phase.STABILIZE;
        return new ScheduleState(t, p, lp, recover * penalty, j, t == tl.pickIteration(), false);
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("warmup", warmup);
        m.put("penalty.interval", interval);
        m.put("penalty.pick-delta", pickDelta);
        m.put("penalty.pick-ceiling", pickCeiling);
        m.put("penalty.recover", recover);
        return GReg1.putGrowth(m, delta, ceiling, stabilize, penalty);
    }
}
