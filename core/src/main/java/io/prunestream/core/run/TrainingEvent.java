package io.prunestream.core.run;

import io.prunestream.core.schedule.Phase;
import io.prunestream.core.train.LayerStats;
import java.util.List;

/**
 * A snapshot of one run after a training step, for metrics, dashboards and reports.
 *
 * @param runId the run
 * @param method pruning method id (greg1, greg2, oneshot-l1, none)
 * @param iteration the step's iteration
 * @param phase the step's phase
 * @param loss training loss of the step's batch
 * @param learningRate the rate used
 * @param lambdaPruned penalty factor on pruned groups (on all groups before GReg-2's pick)
 * @param lambdaKept penalty factor on kept groups
 * @param samples samples in the step's batch
 * @param stepNanos wall time of the step
 * @param params current trainable parameters
 * @param flops current FLOPs per sample
 * @param layers per pruned layer: width, pruned groups, kept/pruned magnitude ratio, sparsity;
 *     empty on steps where they were not computed
 * @param evalAccuracy held-out accuracy if evaluated at this step, else null
 * @param timestampMillis when the step ended
 * @param rejected why the step was rolled back (non-finite-loss, non-finite-parameters,
 *     non-finite-updater-state, non-finite-op-output), or null when it was kept
 * @param guardResponse the guard's response at this step (lower-lr, pause), or null
 * @param paused whether the run is paused (it skips its batches)
 * @param prequentialAccuracy the windowed prequential (test-then-train) accuracy after this step,
 *     null where the run scores no batches or none yet
 * @param cycles a continuous run's cycles after this step (and what it decided), null for a run
 *     that prunes once
 */
public record TrainingEvent(
        String runId,
        String method,
        long iteration,
        Phase phase,
        double loss,
        double learningRate,
        double lambdaPruned,
        double lambdaKept,
        int samples,
        long stepNanos,
        long params,
        long flops,
        List<LayerStats> layers,
        Double evalAccuracy,
        long timestampMillis,
        String rejected,
        String guardResponse,
        boolean paused,
        Double prequentialAccuracy,
        CycleStatus cycles) {

    /** {@link #skipped()} of a batch that a paused run did not train on. */
    public static final String RUN_PAUSED = "run-paused";

    /**
     * Why the step's batch was not trained on although the step was not rolled back: {@value
     * #RUN_PAUSED} when the run was paused before the step; null when the batch was trained on or
     * rolled back ({@link #rejected()}).
     */
    public String skipped() {
        // a step of a paused run is never rolled back, and a rolled-back step pauses only after it
        return paused && rejected == null ? RUN_PAUSED : null;
    }
}
