package io.prunestream.core.schedule;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GReg-1: the pruned groups are chosen by importance when regularisation starts, then their lambda
 * grows by delta every K_u iterations (the first update at the start, the authors' {@code iter %
 * interval == 0}) until it exceeds tau; the next update slot starts STABILIZE, and K_s iterations
 * later the groups are pruned.
 *
 * @param warmup plain training iterations first
 * @param interval K_u
 * @param delta delta-lambda
 * @param ceiling tau
 * @param stabilize K_s
 * @param penalty lambda multiplier: 1, or 0 for the no-penalty control
 */
public record GReg1(
        long warmup, int interval, double delta, double ceiling, long stabilize, double penalty)
        implements PruningSchedule {

    public GReg1 {
        checkGrowth(warmup, interval, delta, ceiling, stabilize);
        PruningSchedule.checkPenalty(penalty);
    }

    static void checkGrowth(
            long warmup, int interval, double delta, double ceiling, long stabilize) {
        PruningSchedule.check(warmup >= 0, "warm-up iterations", warmup, "use 0 or more");
        PruningSchedule.check(interval >= 1, "update interval K_u", interval, "use 1 or more");
        PruningSchedule.check(
                delta > 0 && Double.isFinite(delta),
                "delta-lambda",
                delta,
                "use a positive value such as 1e-4");
        PruningSchedule.check(
                ceiling > 0 && Double.isFinite(ceiling),
                "lambda ceiling tau",
                ceiling,
                "use a positive value");
        PruningSchedule.check(
                stabilize >= 0, "stabilize iterations K_s", stabilize, "use 0 or more");
    }

    @Override
    public PruningMethod method() {
        return PruningMethod.GREG1;
    }

    @Override
    public GReg1 withWarmup(long w) {
        return new GReg1(w, interval, delta, ceiling, stabilize, penalty);
    }

    @Override
    public Timeline timeline() {
        long n = Timeline.updatesToExceed(BigDecimal.ZERO, delta, ceiling);
        long stab = warmup + n * interval;
        return new Timeline(warmup, n, 0, -1, stab, stab + stabilize);
    }

    @Override
    public ScheduleState at(long t) {
        Timeline tl = timeline();
        return tl.outsidePenalty(t).orElseGet(() -> penalized(t, tl));
    }

    /** The state at an iteration between the warm-up and the prune. */
    private ScheduleState penalized(long t, Timeline tl) {
        long k = Math.min(tl.growthUpdates(), (t - warmup) / interval + 1);
        double lp = PruningSchedule.times(delta, k) * penalty;
        Phase p = t < tl.stabilizeStart() ? Phase.REGULARIZE : Phase.STABILIZE;
        return new ScheduleState(t, p, lp, 0, k, t == warmup, false);
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("warmup", warmup);
        m.put("penalty.interval", interval);
        return putGrowth(m, delta, ceiling, stabilize, penalty);
    }

    /** Adds the growth parameters GReg-1 and GReg-2 share, in report order. */
    static Map<String, Object> putGrowth(
            Map<String, Object> m, double delta, double ceiling, long stabilize, double penalty) {
        m.put("penalty.delta", delta);
        m.put("penalty.ceiling", ceiling);
        m.put("penalty.stabilize", stabilize);
        m.put("penalty.scale", penalty);
        return m;
    }
}
