package io.prunestream.core.train;

import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.ModelSource;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.schedule.PruningSchedule;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that defines one pruning run.
 *
 * @param runId the run's name
 * @param model the starting network: a built-in one or a model file
 * @param optimizer optimizer type, momentum and weight decay (its learning rate is replaced by the
 *     schedules below)
 * @param schedule the pruning method's schedule
 * @param granularity filter (structured) or weight (unstructured)
 * @param ratios pruning ratio per layer
 * @param importance how the pruned groups are chosen
 * @param lrTrain learning rate during TRAIN, by iteration
 * @param lrPrune constant learning rate while regularising (REGULARIZE, PICK, STABILIZE)
 * @param lrFinetune learning rate during fine-tuning, by iterations since PRUNE
 * @param batchSize samples per training step
 * @param normPenalty which BatchNorm gamma/beta also carry the penalty (see README)
 * @param groups which groups structured pruning may remove (inner: the paper's; coupled: also
 *     across adds and concatenations)
 */
public record RunSpec(
        String runId,
        ModelSource model,
        OptimizerSpec optimizer,
        PruningSchedule schedule,
        Granularity granularity,
        LayerRatios ratios,
        ImportanceCriterion importance,
        LrSchedule lrTrain,
        double lrPrune,
        LrSchedule lrFinetune,
        int batchSize,
        NormPenalty normPenalty,
        GroupScope groups)
        implements Serializable {

    /** A run with the paper's groups ({@link GroupScope#INNER}). */
    public RunSpec(
            String runId,
            ModelSource model,
            OptimizerSpec optimizer,
            PruningSchedule schedule,
            Granularity granularity,
            LayerRatios ratios,
            ImportanceCriterion importance,
            LrSchedule lrTrain,
            double lrPrune,
            LrSchedule lrFinetune,
            int batchSize,
            NormPenalty normPenalty) {
        this(
                runId,
                model,
                optimizer,
                schedule,
                granularity,
                ratios,
                importance,
                lrTrain,
                lrPrune,
                lrFinetune,
                batchSize,
                normPenalty,
                GroupScope.INNER);
    }

    public RunSpec {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(granularity, "granularity");
        Objects.requireNonNull(ratios, "ratios");
        Objects.requireNonNull(importance, "importance");
        Objects.requireNonNull(lrTrain, "lrTrain");
        Objects.requireNonNull(lrFinetune, "lrFinetune");
        Objects.requireNonNull(normPenalty, "normPenalty");
        Objects.requireNonNull(groups, "groups");
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
    public double learningRate(Phase phase, long iteration, long prunedAt) {
        return switch (phase) {
            case TRAIN -> lrTrain.at(iteration);
            case REGULARIZE, PICK, STABILIZE -> lrPrune;
            case PRUNE, FINETUNE -> lrFinetune.at(iteration - prunedAt);
        };
    }

    /**
     * The run's training settings by their configuration key under {@code prune.}, for reports: the
     * names users write, so a report reads like the configuration that made it.
     */
    public Map<String, Object> parameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", schedule.method().id());
        m.putAll(schedule.parameters());
        m.put("granularity", granularity.toString());
        m.put("groups", groups.toString());
        m.put("ratios", ratios.toString());
        m.put("importance", importance.toString());
        m.put("penalty.batchnorm", normPenalty.toString());
        m.put("optimizer", optimizer.type().toString());
        m.put("momentum", optimizer.momentum());
        m.put("weight-decay", optimizer.weightDecay());
        m.put("lr.train", lrTrain.toString());
        m.put("lr.prune", lrPrune);
        m.put("lr.finetune", lrFinetune.toString());
        m.put("batch-size", batchSize);
        return m;
    }
}
