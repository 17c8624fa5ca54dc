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
 * @param lineage where the version comes from in a continuous run's cycles; null for a run that
 *     prunes once (and in reports written before lineage existed)
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
        String createdAt,
        Lineage lineage) {

    /**
     * A continuous run's version: which cycle made its network and how it stood against the
     * accuracy budget when it was published.
     *
     * @param cycle the pruning cycle whose network this is; 0 = the unpruned network after the
     *     warm-up (or the model file as read)
     * @param flops FLOPs per sample of the network
     * @param params parameters of the network
     * @param accuracy held-out accuracy (the window's, where evaluation comes from the stream) when
     *     it was published
     * @param prequential prequential accuracy when it was published, null if not scored
     * @param reference the reference accuracy the budget is counted from
     * @param budget the accuracy drop allowed below the reference, in points
     * @param rolledBackFrom the cycle this version replaces because it broke the budget (this is
     *     the network from before that cycle, published again as current); null otherwise
     */
    public record Lineage(
            int cycle,
            long flops,
            long params,
            double accuracy,
            Double prequential,
            double reference,
            double budget,
            RolledBack rolledBackFrom) {

        /** The lowest accuracy a version may have when it is published. */
        public double floor() {
            return reference - budget / 100;
        }
    }

    /**
     * A cycle that broke the budget: its network's size and accuracy when it was judged.
     *
     * @param cycle the cycle
     * @param flops FLOPs per sample of its network
     * @param params parameters of its network
     * @param accuracy its held-out accuracy when judged
     */
    public record RolledBack(int cycle, long flops, long params, double accuracy) {}

    /** This report with a lineage. */
    public PruningReport withLineage(Lineage l) {
        return new PruningReport(
                runId,
                incarnation,
                version,
                model,
                input,
                graph,
                method,
                granularity,
                ratios,
                settings,
                iteration,
                phase,
                prunedAt,
                magnitudeRatioAtPrune,
                pickOverlap,
                baseParams,
                baseFlops,
                params,
                flops,
                flopsSpeedup,
                baseWidths,
                widths,
                layers,
                layerStats,
                accuracy,
                accuracyBeforePrune,
                baseAccuracy,
                createdAt,
                l);
    }

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
                Instant.now().toString(),
                null);
    }

    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
