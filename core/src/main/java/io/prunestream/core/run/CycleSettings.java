package io.prunestream.core.run;

import io.prunestream.core.config.Named;
import java.io.Serializable;

/**
 * How a continuous run prunes in cycles within an accuracy budget (README, "Continuous pruning").
 * After its warm-up the run measures its reference accuracy; each cycle then takes {@code step} of
 * every prunable layer's remaining groups with the run's GReg schedule, fine-tunes {@code finetune}
 * steps and is kept if its held-out accuracy is within {@code budget} of the reference, or rolled
 * back to the network from before it.
 *
 * @param step share of each prunable layer's remaining groups one cycle removes, in (0, 1)
 * @param finetune fine-tuning steps from a cycle's PRUNE step on, before it is judged
 * @param budget accuracy drop allowed below the reference, in points (1.0 = one percentage point)
 * @param targetFlops stop once the FLOPs speed-up reaches it; 0 = no FLOPs target
 * @param targetRatio stop once this share of the prunable groups is removed; 0 = no ratio target
 * @param onBreach what follows a rolled-back cycle
 * @param maxTries with {@link OnBreach#HALVE}: rolled-back cycles in a row before the run stops
 * @param driftConfirm evaluations in a row more than the budget below the last published level
 *     before drift is declared (noise in a window of held-out samples can look like one drop)
 * @param driftRecovery evaluations within budget in a row that end a drift pause
 */
public record CycleSettings(
        double step,
        long finetune,
        double budget,
        double targetFlops,
        double targetRatio,
        OnBreach onBreach,
        int maxTries,
        int driftConfirm,
        int driftRecovery)
        implements Serializable {

    /** What a run does after a cycle broke the budget and was rolled back. */
    public enum OnBreach implements Named {
        /** No more cycles: the restored network fine-tunes on. */
        STOP,
        /** Try again with half the step, at most {@code maxTries} rolled-back cycles in a row. */
        HALVE;

        @Override
        public String toString() {
            return id();
        }
    }

    public CycleSettings {
        check(step > 0 && step < 1, "prune.cycle.step", step, "use a share in (0, 1), e.g. 0.25");
        check(finetune >= 1, "prune.cycle.finetune", finetune, "use 1 or more steps");
        check(
                budget >= 0 && Double.isFinite(budget),
                "prune.budget.accuracy-drop",
                budget,
                "use 0 or more percentage points, e.g. 1.0");
        check(
                targetFlops == 0 || targetFlops > 1,
                "prune.target.flops",
                targetFlops,
                "a FLOPs speed-up over the starting network: above 1, or 0 for none");
        check(
                targetRatio == 0 || (targetRatio > 0 && targetRatio < 1),
                "prune.target.ratio",
                targetRatio,
                "a share of the prunable groups in (0, 1), or 0 for none");
        check(maxTries >= 1, "prune.cycle.max-tries", maxTries, "use 1 or more");
        check(driftConfirm >= 1, "prune.drift.confirm", driftConfirm, "use 1 or more");
        check(driftRecovery >= 1, "prune.drift.recovery", driftRecovery, "use 1 or more");
    }

    /** The budget as a share (1.0 point = 0.01). */
    public double budgetShare() {
        return budget / 100;
    }

    private static void check(boolean ok, String key, Object value, String fix) {
        if (!ok) {
            throw new IllegalArgumentException("config key '" + key + "' is " + value + ": " + fix);
        }
    }
}
