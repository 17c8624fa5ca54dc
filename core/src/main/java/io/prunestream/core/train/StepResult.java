package io.prunestream.core.train;

import io.prunestream.core.schedule.Phase;

/**
 * What one training step did.
 *
 * @param iteration the step's iteration
 * @param phase its phase
 * @param learningRate the rate used
 * @param lambdaPruned penalty on pruned groups during the step
 * @param lambdaKept penalty on kept groups during the step
 * @param loss training loss of the batch (data term plus DL4J's weight decay term)
 * @param picked whether the pruned groups were chosen before this step
 * @param pruned whether the groups were removed before this step
 * @param samples samples trained on (0 when the step was skipped)
 * @param nanos wall time of the step
 * @param rejected why the step was rolled back (non-finite-loss, non-finite-parameters,
 *     non-finite-updater-state, non-finite-op-output), or null when it was kept
 */
public record StepResult(
        long iteration,
        Phase phase,
        double learningRate,
        double lambdaPruned,
        double lambdaKept,
        double loss,
        boolean picked,
        boolean pruned,
        int samples,
        long nanos,
        String rejected) {}
