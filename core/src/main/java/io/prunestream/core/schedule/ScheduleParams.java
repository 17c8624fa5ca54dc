package io.prunestream.core.schedule;

import java.io.Serializable;

/**
 * Every knob of the penalty schedules, as configured; each {@link PruningSchedule} takes the ones
 * it uses and validates them. {@link #DEFAULTS} are the project's defaults (the job's, tuned for
 * short streams); {@link #AUTHORS} are the authors' ({@code option.py}, tuned for ImageNet).
 *
 * @param warmup plain training iterations before the schedule starts
 * @param interval K_u: iterations between penalty updates
 * @param delta delta-lambda: growth per update on pruned groups
 * @param ceiling tau: growth stops once lambda exceeds it
 * @param stabilize K_s: iterations with frozen penalties before pruning
 * @param pickDelta GReg-2 uniform growth per update
 * @param pickCeiling tau': GReg-2 picks once the uniform lambda reaches it
 * @param recover GReg-2 lambda of kept groups after the pick (negative lets them recover)
 * @param penalty multiplies every lambda the schedule applies: 1 normally, 0 for a control run that
 *     keeps the timeline without any penalty
 */
public record ScheduleParams(
        long warmup,
        int interval,
        double delta,
        double ceiling,
        long stabilize,
        double pickDelta,
        double pickCeiling,
        double recover,
        double penalty)
        implements Serializable {

    public static final ScheduleParams DEFAULTS =
            new ScheduleParams(600, 1, 5e-3, 1.0, 200, 1e-4, 1e-2, -1e-4, 1.0);

    public static final ScheduleParams AUTHORS =
            new ScheduleParams(0, 5, 1e-4, 1.0, 40_000, 1e-5, 1e-2, -1e-4, 1.0);

    public ScheduleParams withWarmup(long v) {
        return new ScheduleParams(
                v, interval, delta, ceiling, stabilize, pickDelta, pickCeiling, recover, penalty);
    }

    /** These parameters with another GReg-1 growth: K_u, delta-lambda, tau and K_s. */
    public ScheduleParams withGrowth(int ku, double dl, double tau, long ks) {
        return new ScheduleParams(
                warmup, ku, dl, tau, ks, pickDelta, pickCeiling, recover, penalty);
    }

    public ScheduleParams withPenalty(double v) {
        return new ScheduleParams(
                warmup, interval, delta, ceiling, stabilize, pickDelta, pickCeiling, recover, v);
    }
}
