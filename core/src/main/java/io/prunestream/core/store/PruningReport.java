package io.prunestream.core.store;

import io.prunestream.core.cost.LayerCost;
import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.train.LayerStats;
import io.prunestream.core.train.PruningTrainer;
import io.prunestream.core.train.RunSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a saved model is: which run made it, how, and how big, fast and accurate it is compared with
 * the network the run started from. Written as {@code report.json} beside the model.
 *
 * @param incarnation the run incarnation that made it (a run created from scratch gets a new one,
 *     restores keep it); null where no run made it, empty for a run restored from state older than
 *     incarnations
 * @param settings the run's settings by configuration key under {@code prune.}
 * @param accuracy held-out accuracy at this version, null if not evaluated
 * @param accuracyBeforePrune last held-out accuracy before pruning, null if none
 * @param baseAccuracy the unpruned, unpenalised model's held-out accuracy: the last during TRAIN
 *     (warm-up), or, for a network read from a file and no warm-up, the file's own, evaluated
 *     before the first step
 * @param params conv and linear weights and biases, BatchNorm not counted (the authors' count)
 * @param flops multiplies + adds per sample of conv and linear layers, 2 x multiply-accumulates
 *     (the authors' count; see {@link NetworkCost})
 */
public record PruningReport(
        String runId,
        String incarnation,
        int version,
        String model,
        String input,
        boolean graph,
        String method,
        String granularity,
        String ratios,
        Map<String, Object> settings,
        long iteration,
        String phase,
        long prunedAt,
        double magnitudeRatioAtPrune,
        double pickOverlap,
        long baseParams,
        long baseFlops,
        long params,
        long flops,
        double flopsSpeedup,
        Map<String, Long> baseWidths,
        Map<String, Long> widths,
        List<LayerCost> layers,
        Map<String, LayerStats> layerStats,
        Double accuracy,
        Double accuracyBeforePrune,
        Double baseAccuracy,
        String createdAt) {

    /** Held-out accuracies a report states; NaN stands for "not evaluated". */
    public record Accuracies(double now, double beforePrune, double base) {
        public static final Accuracies NONE = new Accuracies(Double.NaN, Double.NaN, Double.NaN);
    }

    /** A report for the trainer's current network, made by no run incarnation. */
    public static PruningReport of(
            PruningTrainer t, int version, String phase, Accuracies accuracies) {
        return of(t, null, version, phase, accuracies);
    }

    /** A report for the trainer's current network, published by run incarnation {@code inc}. */
    public static PruningReport of(
            PruningTrainer t, String inc, int version, String phase, Accuracies accuracies) {
        RunSpec spec = t.spec();
        NetworkCost now = NetworkCost.of(t.network());
        NetworkCost base = t.baseCost();
        var m = spec.model();
        String model = m.name();
        return new PruningReport(
                spec.runId(),
                inc,
                version,
                model,
                m.input().toString(),
                t.network().isGraph(),
                spec.schedule().method().id(),
                spec.granularity().toString(),
                spec.ratios().toString(),
                spec.parameters(),
                t.iteration(),
                phase,
                t.prunedAt(),
                t.magnitudeRatioAtPrune(),
                t.pickOverlap(),
                base.params(),
                base.flops(),
                now.params(),
                now.flops(),
                (double) base.flops() / now.flops(),
                base.widths(),
                now.widths(),
                now.layers(),
                t.layerStats(),
                orNull(accuracies.now()),
                orNull(accuracies.beforePrune()),
                orNull(accuracies.base()),
                Instant.now().toString());
    }

    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
