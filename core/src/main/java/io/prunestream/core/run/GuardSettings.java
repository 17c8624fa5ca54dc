package io.prunestream.core.run;

import java.io.Serializable;
import java.util.Locale;

/**
 * What a run does when its steps go non-finite. Every such step is rolled back; after {@code
 * maxBadSteps} in a row the run responds: it lowers its learning rate by {@code lrFactor} (again
 * after each further run of bad steps), or it pauses — it stops training and skips its batches
 * until the job is restarted with {@code resumePaused}.
 *
 * @param maxBadSteps consecutive rolled-back steps that trigger the response (>= 1)
 * @param response lower the learning rate, or pause the run
 * @param lrFactor multiplier of the learning rate per response (0, 1)
 * @param resumePaused a run restored paused trains again (an operator's decision after a fix)
 */
public record GuardSettings(
        int maxBadSteps, Response response, double lrFactor, boolean resumePaused)
        implements Serializable {

    /** The response to a run of bad steps. */
    public enum Response {
        LOWER_LR,
        PAUSE;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public static final GuardSettings DEFAULTS =
            new GuardSettings(3, Response.LOWER_LR, 0.1, false);

    public GuardSettings {
        if (maxBadSteps < 1) {
            throw new IllegalArgumentException(
                    "guard: max bad steps must be >= 1, got " + maxBadSteps);
        }
        if (!(lrFactor > 0 && lrFactor < 1)) {
            throw new IllegalArgumentException(
                    "guard: learning-rate factor must be in (0, 1), got " + lrFactor);
        }
    }
}
