package io.prunestream.apps.experiment;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.data.BatchStream;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.Optimizer;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.run.PruningRun;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.NoPruning;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.store.PruningReport;
import io.prunestream.core.train.LrSchedule;
import io.prunestream.core.train.RunSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The base network of one seed, trained until its validation accuracy plateaus, and cached on disk
 * so that every method of that seed starts from the identical network and reruns skip the training.
 *
 * <p>Plateau rule: the base trains in learning-rate stages ({@code --base.lr}, e.g. 0.1, 0.01,
 * 0.001) and is evaluated on the validation split (carved from TRAIN) every {@code
 * --base.eval-every} steps. A stage ends when none of its last k = {@code --base.patience}
 * evaluations beats the best earlier evaluation of the stage by more than {@code --base.min-gain};
 * the base is done when its last stage ends (or after {@code --base.max-epochs}). The test split is
 * evaluated once, at the end, for the table.
 */
final class ConvergedBase {

    /**
     * What the base's training did, stored beside it ({@code base-seed<N>.json}) and under the
     * results folder. {@code revision} and {@code command}: the build and command that trained it.
     */
    record Info(
            String key,
            String data,
            String model,
            long seed,
            long steps,
            double epochs,
            int batchSize,
            List<Double> learningRates,
            List<Integer> evaluationsPerStage,
            List<Double> validationCurve,
            long evalEvery,
            boolean hitMaxEpochs,
            double validationAccuracy,
            double testAccuracy,
            long params,
            long flops,
            double seconds,
            String revision,
            String command) {}

    record Base(Network network, Info info, boolean cached) {}

    private ConvergedBase() {}

    /** The settings that decide the base of {@code seed}, as text (the cache key). */
    static String key(Table1Settings s, Splits d, long seed) {
        return String.format(
                Locale.ROOT,
                "data=%s train=%d validation=%d model=%s seed=%d batch=%d lr=%s evalEvery=%d"
                        + " patience=%d minGain=%s maxEpochs=%d momentum=%s wd=%s",
                d.name(),
                d.train().size(),
                d.validation().size(),
                s.modelName(),
                seed,
                s.baseBatchSize(),
                s.baseLr(),
                s.baseEvalEvery(),
                s.basePatience(),
                s.baseMinGain(),
                s.baseMaxEpochs(),
                s.momentum(),
                s.weightDecay());
    }

    static Base trainOrLoad(
            Table1Settings s,
            Splits d,
            long seed,
            Path dir,
            Progress.Table table,
            PrintStream log,
            Table1Results.Provenance made) {
        Path modelDir = dir.resolve("base-seed" + seed);
        Path infoFile = dir.resolve("base-seed" + seed + ".json");
        String key = key(s, d, seed);
        if (Files.isDirectory(modelDir)) {
            Info info = readInfo(infoFile, modelDir);
            if (!info.key().equals(key)) {
                throw new UsageException(
                        "the cached base "
                                + modelDir
                                + " was trained with other settings (cached: "
                                + info.key()
                                + "; now: "
                                + key
                                + "): delete "
                                + modelDir
                                + " and "
                                + infoFile
                                + ", or use another --out");
            }
            log.printf(
                    Locale.ROOT,
                    "base seed %d: cached (%s), %.1f epochs, validation %.2f%%, test %.2f%%%n",
                    seed,
                    modelDir,
                    info.epochs(),
                    100 * info.validationAccuracy(),
                    100 * info.testAccuracy());
            return new Base(ModelStore.load(modelDir).network(), info, true);
        }
        long t0 = System.nanoTime();
        ModelSpec model = s.modelSpec(d.train().shape(), d.train().classes(), seed);
        BatchStream batches = new BatchStream(d.train(), s.baseBatchSize(), Seeds.base(seed));
        long evalEvery = s.baseEvalEvery() > 0 ? s.baseEvalEvery() : batches.batchesPerEpoch();
        long maxSteps = (long) s.baseMaxEpochs() * batches.batchesPerEpoch();
        PlateauRule rule =
                new PlateauRule(s.baseLr().size(), s.basePatience(), s.baseMinGain(), maxSteps);
        PruningRun run = null;
        long step = 0;
        try (Progress p =
                table.bar(
                        String.format(Locale.ROOT, "%s base seed %d", d.name(), seed),
                        maxSteps,
                        s.baseBatchSize())) {
            int stage = -1;
            PlateauRule.Next next = PlateauRule.Next.NEXT_STAGE;
            while (next != PlateauRule.Next.STOP) {
                if (rule.stage() != stage) {
                    // each stage a fresh optimizer at its rate, as it has always been
                    stage = rule.stage();
                    RunSpec spec = spec(s, model, s.baseLr().get(stage));
                    run =
                            run == null
                                    ? PruningRun.create(RunSettings.quiet(spec), null)
                                    : PruningRun.from(RunSettings.quiet(spec), run.network());
                }
                for (long k = 0; k < evalEvery && step < maxSteps; k++) {
                    p.step(run.step(batches.batch(step++), null).event().loss());
                }
                double acc = d.validationSet().accuracy(run.network(), 500);
                p.message(
                        String.format(
                                Locale.ROOT,
                                "lr %s, validation %.2f%%",
                                s.baseLr().get(stage),
                                100 * acc));
                next = rule.evaluated(acc, step);
            }
        }
        List<Double> curve = rule.curve();
        List<Integer> perStage = rule.evaluationsPerStage();
        boolean hitMax = rule.hitCap();
        Network net = run.network();
        double val = curve.get(curve.size() - 1);
        double test = d.testSet().accuracy(net, 500);
        NetworkCost cost = NetworkCost.of(net);
        Info info =
                new Info(
                        key,
                        d.name(),
                        s.modelName(),
                        seed,
                        step,
                        (double) step / batches.batchesPerEpoch(),
                        s.baseBatchSize(),
                        s.baseLr().subList(0, perStage.size()),
                        perStage,
                        curve,
                        evalEvery,
                        hitMax,
                        val,
                        test,
                        cost.params(),
                        cost.flops(),
                        (System.nanoTime() - t0) / 1e9,
                        made.revision(),
                        made.command());
        // info first: a folder without it is an interrupted save, refused on reading
        ModelStore.writeJson(infoFile, info);
        ModelStore.save(
                modelDir,
                net,
                PruningReport.of(
                        run.trainer(),
                        0,
                        "TRAIN",
                        new PruningReport.Accuracies(val, Double.NaN, Double.NaN)));
        log.printf(
                Locale.ROOT,
                "base seed %d: %d steps (%.1f epochs%s), validation %.2f%%, test %.2f%%, %.0f s%n",
                seed,
                step,
                info.epochs(),
                hitMax ? ", stopped at --base.max-epochs" : "",
                100 * val,
                100 * test,
                info.seconds());
        // every method starts from the network as stored, fresh or cached alike
        return new Base(ModelStore.load(modelDir).network(), info, false);
    }

    private static RunSpec spec(Table1Settings s, ModelSpec model, double lr) {
        LrSchedule constant = LrSchedule.constant(lr);
        return new RunSpec(
                "base",
                model,
                new OptimizerSpec(Optimizer.SGD, lr, s.momentum(), s.weightDecay()),
                new NoPruning(),
                Granularity.FILTER,
                LayerRatios.uniform(0),
                ImportanceCriterion.L1,
                constant,
                lr,
                constant,
                s.baseBatchSize(),
                NormPenalty.OFF);
    }

    private static Info readInfo(Path infoFile, Path modelDir) {
        if (!Files.isRegularFile(infoFile)) {
            throw new UsageException(
                    modelDir
                            + " has no "
                            + infoFile.getFileName()
                            + " beside it (an interrupted save?): delete "
                            + modelDir
                            + " to train the base again");
        }
        try {
            return ModelStore.fromJson(Files.readAllBytes(infoFile), Info.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + infoFile, e);
        }
    }
}
