package io.prunestream.core.schedule;

import io.prunestream.core.config.Named;

/**
 * How a run prunes, as users name it in configuration. Each method makes its own {@link
 * PruningSchedule} type from the shared parameters; {@link #toString()} is the configuration value.
 */
public enum PruningMethod implements Named {
    /** Fixed L1 mask, growing L2 penalty on the pruned groups (paper section 3.2). */
    GREG1 {
        @Override
        public PruningSchedule schedule(ScheduleParams p) {
            return new GReg1(
                    p.warmup(), p.interval(), p.delta(), p.ceiling(), p.stabilize(), p.penalty());
        }
    },
    /** Uniform growth, pick by L1 of the regularised weights, then push (paper section 3.3). */
    GREG2 {
        @Override
        public PruningSchedule schedule(ScheduleParams p) {
            return new GReg2(
                    p.warmup(),
                    p.interval(),
                    p.pickDelta(),
                    p.pickCeiling(),
                    p.recover(),
                    p.delta(),
                    p.ceiling(),
                    p.stabilize(),
                    p.penalty());
        }
    },
    /** Remove the L1-smallest groups at once after the warm-up, then fine-tune. */
    ONESHOT_L1 {
        @Override
        public PruningSchedule schedule(ScheduleParams p) {
            return new OneShotL1(p.warmup());
        }
    },
    /** No pruning: plain training. */
    NONE {
        @Override
        public PruningSchedule schedule(ScheduleParams p) {
            return new NoPruning();
        }
    };

    /** The schedule of this method with the given parameters (validated by the schedule). */
    public abstract PruningSchedule schedule(ScheduleParams params);

    @Override
    public String toString() {
        return id();
    }

    public static PruningMethod parse(String s) {
        return Named.parse(PruningMethod.class, s, "pruning method");
    }
}
