package io.prunestream.core.train;

import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.ScheduleConfig;
import java.util.Objects;

/**
 * Everything that defines one pruning run.
 *
 * @param runId the run's name
 * @param model the network to build
 * @param optimizer optimizer type, momentum and weight decay (its learning rate is replaced by the
 *     schedules below)
 * @param schedule the penalty schedule
 * @param granularity filter (structured) or weight (unstructured)
 * @param ratios pruning ratio per layer
 * @param lrTrain learning rate during TRAIN, by iteration
 * @param lrPrune constant learning rate while regularising (REGULARIZE, PICK, STABILIZE)
 * @param lrFinetune learning rate during fine-tuning, by iterations since PRUNE
 * @param batchSize samples per training step
 * @param penalizeNorm also penalise the BatchNorm gamma and beta of pruned filters (see README)
 */
public record RunSpec(
        String runId,
        ModelSpec model,
        OptimizerSpec optimizer,
        ScheduleConfig schedule,
        Granularity granularity,
        LayerRatios ratios,
        LrSchedule lrTrain,
        double lrPrune,
        LrSchedule lrFinetune,
        int batchSize,
        boolean penalizeNorm) {

    public RunSpec {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(granularity, "granularity");
        Objects.requireNonNull(ratios, "ratios");
        Objects.requireNonNull(lrTrain, "lrTrain");
        Objects.requireNonNull(lrFinetune, "lrFinetune");
        if (!(lrPrune > 0)) {
            throw new IllegalArgumentException(
                    "run '" + runId + "': lr while regularising must be > 0, got " + lrPrune);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException(
                    "run '" + runId + "': batch size must be >= 1, got " + batchSize);
        }
    }

    /** The learning rate for a step, given its phase's position. */
    public double learningRate(
            io.prunestream.core.schedule.Phase phase, long iteration, long prunedAt) {
        return switch (phase) {
            case TRAIN -> lrTrain.at(iteration);
            case REGULARIZE, PICK, STABILIZE -> lrPrune;
            case PRUNE, FINETUNE -> lrFinetune.at(iteration - prunedAt);
        };
    }
}
