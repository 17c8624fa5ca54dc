package io.prunestream.core.run;

import java.util.List;

/**
 * A continuous run's cycles after a step, for metrics, the console and reports.
 *
 * @param cycle cycles started so far
 * @param stage warm-up, cycle or idle (between cycles)
 * @param drift whether cycles are paused because the data moved
 * @param reference the reference accuracy, NaN until measured
 * @param budget the accuracy drop allowed below the reference, in points
 * @param decisions what the run decided at this step (usually none)
 */
public record CycleStatus(
        int cycle,
        CycleState.Stage stage,
        boolean drift,
        double reference,
        double budget,
        List<Decision> decisions) {

    public CycleStatus {
        decisions = List.copyOf(decisions);
    }

    /** The lowest held-out accuracy a version may be published with; NaN until known. */
    public double floor() {
        return reference - budget / 100;
    }

    /** One decision and the line that says it. */
    public record Decision(Kind kind, String text) {}

    /** What a continuous run can decide. */
    public enum Kind {
        /** The reference accuracy was measured after the warm-up. */
        REFERENCE,
        /** A pruning cycle started. */
        CYCLE_STARTED,
        /** A cycle's fine-tuned network stayed within budget and was published. */
        CYCLE_KEPT,
        /** A cycle broke the budget: the network from before it is back. */
        ROLLED_BACK,
        /** No further cycle starts (target reached, budget broken, nothing left to prune). */
        STOPPED,
        /** The accuracy fell more than the budget outside a cycle: cycles pause. */
        DRIFT,
        /** The accuracy is back within budget: cycles may start again. */
        DRIFT_RECOVERED
    }

    public boolean has(Kind k) {
        return decisions.stream().anyMatch(d -> d.kind() == k);
    }
}
