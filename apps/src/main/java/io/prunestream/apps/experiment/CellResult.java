package io.prunestream.apps.experiment;

import java.util.List;
import java.util.Map;

/**
 * One finished run: a variant at one ratio on one seed's base. Stored as JSON under {@code
 * <out>/<data>-<model>/runs/} (a rerun with the same {@code key} reads it instead of training) and
 * under {@code <results>/<data>-<model>/} (the repository's record, which the tables are made
 * from).
 *
 * @param key the settings that decide this run, as text
 * @param testImages images of the test split {@code accuracy} is measured on
 * @param groups which groups pruning removes (inner: the paper's)
 * @param schedule the penalty schedule's parameters by their configuration key
 * @param stepsBeforePrune steps before the PRUNE step (R; 0 for one-shot)
 * @param finetuneSteps steps from the PRUNE step on, that step included
 * @param totalSteps training steps the run made
 * @param finetuneFrom the step from which the run read the common fine-tune batches
 * @param finetuneLr converged arm: the rate of each fine-tune stage that ran; else empty
 * @param evaluationsPerStage converged arm: validation evaluations of each stage; else empty
 * @param validationCurve converged arm: every validation accuracy, in order; else empty
 * @param evalEvery converged arm: fine-tune steps between evaluations; else 0
 * @param hitCap converged arm: whether the fine-tune stopped at the cap, not at a plateau
 * @param accuracy top-1 on the test split after the last step
 * @param params conv and linear weights and biases of the pruned network
 * @param flops multiplies + adds per sample of the pruned network
 * @param measuredSpeedup base / pruned inference time (one-shot L1 rows only, else NaN)
 * @param magnitudeRatios kept/pruned mean |w| per pruned layer just before the PRUNE step
 * @param pickOverlap GReg-2: share of the picked filters that L1 on the base picks too
 * @param overlapWithL1 per pruned layer: share of its removed filters that L1 on the base removes
 * @param samePrunedSetAsL1 whether the removed filters are those L1 picks on the base
 * @param widths width of every layer a group can narrow, after pruning
 * @param seconds the run's wall time
 * @param revision the git revision of the build that ran it ({@code -dirty}: with uncommitted
 *     source changes)
 * @param command the command that ran it
 * @param batchHashes a fingerprint of every batch trained on, in order (only when recorded)
 */
public record CellResult(
        String key,
        String data,
        String model,
        int testImages,
        String groups,
        long seed,
        double ratio,
        String variant,
        String normPenalty,
        double penaltyScale,
        Map<String, String> schedule,
        long stepsBeforePrune,
        long finetuneSteps,
        long totalSteps,
        long finetuneFrom,
        List<Double> finetuneLr,
        List<Integer> evaluationsPerStage,
        List<Double> validationCurve,
        long evalEvery,
        boolean hitCap,
        double accuracy,
        long params,
        long flops,
        double flopsSpeedup,
        double measuredSpeedup,
        Map<String, Double> magnitudeRatios,
        double minMagnitudeRatio,
        double pickOverlap,
        Map<String, Double> overlapWithL1,
        boolean samePrunedSetAsL1,
        Map<String, Long> widths,
        double seconds,
        String revision,
        String command,
        List<Long> batchHashes) {

    /** Training steps per second of wall time. */
    public double stepsPerSecond() {
        return totalSteps / seconds;
    }
}
