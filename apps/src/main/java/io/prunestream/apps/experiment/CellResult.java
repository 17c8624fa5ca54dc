package io.prunestream.apps.experiment;

import java.util.List;
import java.util.Map;

/**
 * One finished run: a variant at one ratio on one seed's base. Stored as JSON under {@code
 * <out>/<data>-<model>/runs/}; a rerun with the same {@code key} reads it instead of training.
 *
 * @param key the settings that decide this run, as text
 * @param stepsBeforePrune steps before the PRUNE step (R; 0 for one-shot)
 * @param finetuneSteps steps from the PRUNE step on, that step included
 * @param totalSteps training steps the run made
 * @param finetuneFrom the step from which the run read the common fine-tune batches
 * @param accuracy top-1 on the test split after the last step
 * @param params conv and linear weights and biases of the pruned network
 * @param flops multiplies + adds per sample of the pruned network
 * @param measuredSpeedup base / pruned inference time (one-shot L1 runs only, else NaN)
 * @param magnitudeRatios kept/pruned mean |w| per pruned layer just before the PRUNE step
 * @param pickOverlap GReg-2: share of the picked filters that L1 on the base picks too
 * @param samePrunedSetAsL1 whether the removed filters are those L1 picks on the base
 * @param batchHashes a fingerprint of every batch trained on, in order (only when recorded)
 */
public record CellResult(
        String key,
        String data,
        String model,
        long seed,
        double ratio,
        String variant,
        String normPenalty,
        double penaltyScale,
        Map<String, Object> schedule,
        long stepsBeforePrune,
        long finetuneSteps,
        long totalSteps,
        long finetuneFrom,
        double accuracy,
        long params,
        long flops,
        double flopsSpeedup,
        double measuredSpeedup,
        Map<String, Double> magnitudeRatios,
        double minMagnitudeRatio,
        double pickOverlap,
        boolean samePrunedSetAsL1,
        Map<String, Long> widths,
        double seconds,
        List<Long> batchHashes) {}
