package io.prunestream.core.store;

import io.prunestream.core.cost.LayerCost;
import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.train.LayerStats;
import io.prunestream.core.train.PruningTrainer;
import io.prunestream.core.train.RunSpec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a saved model is: which run made it, how, and how big and fast it is compared with the
 * network the run started from. Written as {@code report.json} beside the model.
 */
public record PruningReport(
        String runId,
        int version,
        String model,
        String input,
        boolean graph,
        String method,
        String granularity,
        String ratios,
        Map<String, Object> schedule,
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
        String createdAt) {

    /** A report for the trainer's current network. */
    public static PruningReport of(PruningTrainer t, int version, String phase, Double accuracy) {
        RunSpec spec = t.spec();
        NetworkCost now = NetworkCost.of(t.network());
        NetworkCost base = t.baseCost();
        Map<String, Object> schedule = new LinkedHashMap<>();
        var c = spec.schedule();
        schedule.put("warmupIterations", c.warmupIterations());
        schedule.put("updateInterval", c.updateInterval());
        schedule.put("deltaLambda", c.deltaLambda());
        schedule.put("lambdaCeiling", c.lambdaCeiling());
        schedule.put("stabilizeIterations", c.stabilizeIterations());
        schedule.put("deltaLambdaPick", c.deltaLambdaPick());
        schedule.put("lambdaCeilingPick", c.lambdaCeilingPick());
        schedule.put("lambdaRecover", c.lambdaRecover());
        schedule.put("lrTrain", spec.lrTrain().toString());
        schedule.put("lrPrune", spec.lrPrune());
        schedule.put("lrFinetune", spec.lrFinetune().toString());
        schedule.put("batchSize", spec.batchSize());
        schedule.put("weightDecay", spec.optimizer().weightDecay());
        schedule.put("momentum", spec.optimizer().momentum());
        var m = spec.model();
        String model =
                m.kind().name().toLowerCase(java.util.Locale.ROOT)
                        + (m.depth() > 0 ? "-" + m.depth() : "")
                        + (m.width() != 1.0 ? "-w" + m.width() : "");
        return new PruningReport(
                spec.runId(),
                version,
                model,
                m.input().toString(),
                t.network().isGraph(),
                c.method().id(),
                spec.granularity().name().toLowerCase(java.util.Locale.ROOT),
                spec.ratios().toString(),
                schedule,
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
                base.convWidths(),
                now.convWidths(),
                now.layers(),
                t.layerStats(),
                accuracy,
                Instant.now().toString());
    }
}
