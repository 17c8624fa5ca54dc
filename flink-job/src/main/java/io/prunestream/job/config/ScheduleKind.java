package io.prunestream.job.config;

import io.prunestream.core.config.Named;

/** How a run prunes: once, as its method's schedule says, or in cycles within a budget. */
public enum ScheduleKind implements Named {
    /** The method's schedule, once: warm-up, penalty, prune, fine-tune. */
    ONCE,
    /** GReg cycles on the pruned network while its accuracy stays within the budget. */
    CONTINUOUS;

    @Override
    public String toString() {
        return id();
    }
}
