package io.prunestream.apps.experiment;

import io.prunestream.apps.Args;
import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.data.BatchStream;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.nn.CpuBackend;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.prune.PrunePlan;
import io.prunestream.core.run.PruningRun;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.schedule.ScheduleParams;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.train.Evaluator;
import io.prunestream.core.train.LrSchedule;
import io.prunestream.core.train.PruningTrainer;
import io.prunestream.core.train.RunSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The paper's Table 1 on Fashion-MNIST: one base model, then per pruning ratio one-shot L1 +
 * fine-tune, GReg-1 + fine-tune (the same pruned set: both pick by L1 on the base weights) and
 * GReg-2 + fine-tune, all with the same fine-tuning budget and the same batches.
 */
public final class Table1Experiment {

    /** Experiment settings; {@link #defaults()} is the README's full run. */
    public record Settings(
            Datasets data,
            int trainSamples,
            int testSamples,
            int batchSize,
            long seed,
            long baseIterations,
            LrSchedule lrBase,
            double[] ratios,
            long finetuneIterations,
            LrSchedule lrFinetune,
            double lrPrune,
            double weightDecay,
            ScheduleParams schedule,
            long evalEvery,
            boolean penalizeNorm,
            Path out) {

        public static Settings defaults() {
            return new Settings(
                    Datasets.FASHION_MNIST,
                    60_000,
                    10_000,
                    64,
                    1,
                    3000,
                    LrSchedule.parse("0:0.05,2000:0.005"),
                    new double[] {0.5, 0.7, 0.9},
                    1500,
                    LrSchedule.parse("0:0.01,1000:0.001"),
                    0.01,
                    5e-4,
                    // regularisation from the base: no warm-up; short-run growth (see README)
                    new ScheduleParams(0, 1, 2e-3, 1.0, 500, 1e-4, 1e-2, -1e-4, 1.0),
                    500,
                    true,
                    Path.of("runs/table1"));
        }
    }

    /** One table row. */
    public record Row(
            double ratio,
            String method,
            double accuracy,
            double bestAccuracy,
            long params,
            long flops,
            double flopsSpeedup,
            double measuredSpeedup,
            double magnitudeRatio,
            Map<String, Double> magnitudeRatios,
            double pickOverlap,
            long iterationsBeforePrune,
            Map<String, Long> widths,
            double seconds) {}

    /** The whole result. */
    public record Result(
            String data,
            String model,
            double baseAccuracy,
            long baseParams,
            long baseFlops,
            Map<String, Long> baseWidths,
            boolean identicalPrunedSets,
            List<Row> rows,
            double seconds,
            String machine) {}

    private Table1Experiment() {}

    public static Result run(Settings s, PrintStream log) {
        long t0 = System.nanoTime();
        LabelledImages train = s.data().load(Datasets.Split.TRAIN).head(s.trainSamples());
        LabelledImages test = s.data().load(Datasets.Split.TEST).head(s.testSamples());
        ModelSpec model = ModelSpec.smallCnn(train.shape(), train.classes(), s.seed());
        log.printf(
                Locale.ROOT,
                "Table 1 on %s (%d train / %d test), %s, batch %d%n",
                s.data().id(),
                train.size(),
                test.size(),
                model.kind(),
                s.batchSize());

        // base model
        RunSpec baseSpec = spec(s, model, "base", PruningMethod.NONE, 0);
        PruningRun base = PruningRun.create(RunSettings.quiet(baseSpec), null);
        BatchStream baseBatches = new BatchStream(train, s.batchSize(), s.seed());
        Progress p = new Progress(log, "base", s.baseIterations());
        for (long i = 0; i < s.baseIterations(); i++) {
            var r = base.step(baseBatches.next(), null);
            p.update(i + 1, r.event().loss());
        }
        Network baseNet = base.network();
        double baseAcc = Evaluator.accuracy(baseNet, test, 500);
        NetworkCost baseCost = NetworkCost.of(baseNet);
        log.printf(
                Locale.ROOT,
                "base accuracy %.2f%%, params %d, FLOPs %d%n",
                100 * baseAcc,
                baseCost.params(),
                baseCost.flops());

        List<Row> rows = new ArrayList<>();
        boolean identical = true;
        var timingBatch = test.batch(0, Math.min(256, test.size())).getFeatures();
        for (double r : s.ratios()) {
            PrunePlan l1Plan = null;
            for (PruningMethod m :
                    List.of(PruningMethod.ONESHOT_L1, PruningMethod.GREG1, PruningMethod.GREG2)) {
                RunSpec spec = spec(s, model, m.id() + "@" + r, m, r);
                Outcome o = runOne(s, spec, baseNet, baseCost, train, test, timingBatch, log);
                rows.add(o.row());
                if (m == PruningMethod.ONESHOT_L1) {
                    l1Plan = o.plan();
                } else if (m == PruningMethod.GREG1 && l1Plan != null) {
                    boolean same = samePlan(l1Plan, o.plan());
                    identical &= same;
                    log.printf(
                            "  GReg-1 pruned set identical to one-shot L1: %s%n",
                            same ? "yes" : "NO");
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Result result =
                new Result(
                        s.data().id(),
                        "small-cnn",
                        baseAcc,
                        baseCost.params(),
                        baseCost.flops(),
                        baseCost.convWidths(),
                        identical,
                        rows,
                        secs,
                        machine());
        if (s.out() != null) {
            ModelStore.writeJson(s.out().resolve("table1.json"), result);
            try {
                Files.writeString(s.out().resolve("table1.md"), markdown(result));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return result;
    }

    private record Outcome(Row row, PrunePlan plan) {}

    private static boolean samePlan(PrunePlan a, PrunePlan b) {
        if (!a.pruned().keySet().equals(b.pruned().keySet())) {
            return false;
        }
        return a.pruned().entrySet().stream()
                .allMatch(e -> Arrays.equals(e.getValue(), b.prunedOf(e.getKey())));
    }

    private static RunSpec spec(
            Settings s, ModelSpec model, String id, PruningMethod method, double r) {
        return new RunSpec(
                id,
                model,
                OptimizerSpec.sgd(s.lrPrune(), s.weightDecay()),
                method.schedule(s.schedule()),
                Granularity.FILTER,
                LayerRatios.uniform(r),
                ImportanceCriterion.L1,
                s.lrBase(),
                s.lrPrune(),
                s.lrFinetune(),
                s.batchSize(),
                s.penalizeNorm());
    }

    private static Outcome runOne(
            Settings s,
            RunSpec spec,
            Network baseNet,
            NetworkCost baseCost,
            LabelledImages train,
            LabelledImages test,
            org.nd4j.linalg.api.ndarray.INDArray timingBatch,
            PrintStream log) {
        long t0 = System.nanoTime();
        PruningRun run = PruningRun.from(RunSettings.quiet(spec), baseNet.copy());
        PruningTrainer t = run.trainer();
        // every run sees the same batch sequence
        BatchStream batches = new BatchStream(train, s.batchSize(), s.seed() + 1);
        long pruneAt = spec.schedule().timeline().pruneIteration();
        long total = pruneAt + 1 + s.finetuneIterations();
        Progress p = new Progress(log, spec.runId(), total);
        double best = 0;
        for (long i = 0; i < total; i++) {
            var r = run.step(batches.next(), null);
            p.update(i + 1, r.event().loss());
            long ft = i - pruneAt;
            if (ft > 0 && (ft % s.evalEvery() == 0 || i == total - 1)) {
                best = Math.max(best, Evaluator.accuracy(t.network(), test, 500));
            }
        }
        double acc = Evaluator.accuracy(t.network(), test, 500);
        best = Math.max(best, acc);
        NetworkCost cost = NetworkCost.of(t.network());
        double measured = InferenceTimer.speedup(baseNet, t.network(), timingBatch, 15);
        Row row =
                new Row(
                        spec.ratios().defaultRatio(),
                        spec.schedule().method().id(),
                        acc,
                        best,
                        cost.params(),
                        cost.flops(),
                        (double) baseCost.flops() / cost.flops(),
                        measured,
                        t.magnitudeRatioAtPrune(),
                        new LinkedHashMap<>(t.magnitudeRatiosAtPrune()),
                        t.pickOverlap(),
                        pruneAt,
                        cost.convWidths(),
                        (System.nanoTime() - t0) / 1e9);
        log.printf(
                Locale.ROOT,
                "  %-16s acc %.2f%% (best %.2f%%)  params %d  FLOPs x%.2f  measured x%.2f  kept/pruned %s%n",
                spec.runId(),
                100 * acc,
                100 * best,
                cost.params(),
                row.flopsSpeedup(),
                measured,
                String.format(Locale.ROOT, "%.1f", row.magnitudeRatio()));
        return new Outcome(row, t.plan());
    }

    public static String markdown(Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Base (%s, %s): accuracy %.2f%%, %d params, %d FLOPs; identical pruned set for L1 and GReg-1: %s; %.0f s on %s.%n%n",
                        r.model(),
                        r.data(),
                        100 * r.baseAccuracy(),
                        r.baseParams(),
                        r.baseFlops(),
                        r.identicalPrunedSets() ? "yes" : "no",
                        r.seconds(),
                        r.machine()));
        sb.append(
                "| r | method | top-1 (final) | top-1 (best) | params | FLOPs | FLOPs speed-up | measured speed-up | kept/pruned magnitude before pruning (min over layers) |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : r.rows()) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %.1f | %s | %.2f | %.2f | %d | %d | %.2fx | %.2fx | %s |%n",
                            row.ratio(),
                            row.method(),
                            100 * row.accuracy(),
                            100 * row.bestAccuracy(),
                            row.params(),
                            row.flops(),
                            row.flopsSpeedup(),
                            row.measuredSpeedup(),
                            Double.isNaN(row.magnitudeRatio())
                                    ? "n/a (no regularisation)"
                                    : String.format(Locale.ROOT, "%.1f", row.magnitudeRatio())));
        }
        return sb.toString();
    }

    static String machine() {
        return Runtime.getRuntime().availableProcessors()
                + " cores, "
                + System.getProperty("os.arch")
                + ", Java "
                + System.getProperty("java.version");
    }

    private static final Set<String> OPTIONS =
            Set.of(
                    "data",
                    "train-samples",
                    "test-samples",
                    "base-iterations",
                    "ratios",
                    "finetune-iterations",
                    "eval-every",
                    "out",
                    "prune.batch-size",
                    "prune.seed",
                    "prune.lr.train",
                    "prune.lr.finetune",
                    "prune.lr.prune",
                    "prune.weight-decay",
                    "prune.penalty.interval",
                    "prune.penalty.delta",
                    "prune.penalty.ceiling",
                    "prune.penalty.stabilize",
                    "prune.penalty.pick-delta",
                    "prune.penalty.pick-ceiling",
                    "prune.penalty.recover",
                    "prune.penalty.scale",
                    "prune.penalty.batchnorm");

    public static Settings parse(String[] argv) {
        Args a = new Args(argv, OPTIONS, Set.of());
        Settings d = Settings.defaults();
        ScheduleParams p = d.schedule();
        ScheduleParams sp =
                new ScheduleParams(
                        p.warmup(),
                        a.intValue("prune.penalty.interval", p.interval()),
                        a.doubleValue("prune.penalty.delta", p.delta()),
                        a.doubleValue("prune.penalty.ceiling", p.ceiling()),
                        a.longValue("prune.penalty.stabilize", p.stabilize()),
                        a.doubleValue("prune.penalty.pick-delta", p.pickDelta()),
                        a.doubleValue("prune.penalty.pick-ceiling", p.pickCeiling()),
                        a.doubleValue("prune.penalty.recover", p.recover()),
                        a.doubleValue("prune.penalty.scale", p.penalty()));
        double[] ratios =
                Arrays.stream(a.string("ratios", "0.5,0.7,0.9").split(","))
                        .mapToDouble(Double::parseDouble)
                        .toArray();
        return new Settings(
                Datasets.parse(a.string("data", d.data().id())),
                a.intValue("train-samples", d.trainSamples()),
                a.intValue("test-samples", d.testSamples()),
                a.intValue("prune.batch-size", d.batchSize()),
                a.longValue("prune.seed", d.seed()),
                a.longValue("base-iterations", d.baseIterations()),
                LrSchedule.parse(a.string("prune.lr.train", d.lrBase().toString())),
                ratios,
                a.longValue("finetune-iterations", d.finetuneIterations()),
                LrSchedule.parse(a.string("prune.lr.finetune", d.lrFinetune().toString())),
                a.doubleValue("prune.lr.prune", d.lrPrune()),
                a.doubleValue("prune.weight-decay", d.weightDecay()),
                sp,
                a.longValue("eval-every", d.evalEvery()),
                !a.string("prune.penalty.batchnorm", "true").equals("false"),
                Path.of(a.string("out", d.out().toString())));
    }

    public static void main(String[] argv) {
        CpuBackend.configure();
        Settings s;
        try {
            s = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("experiment: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (!s.data().isInstalled()) {
            System.err.println(
                    "experiment: data set '"
                            + s.data().id()
                            + "' is not installed. Install it with:\n    "
                            + s.data().installCommand());
            System.exit(2);
        }
        Result r = run(s, System.out);
        System.out.println();
        System.out.println(markdown(r));
        System.out.println("written to " + s.out().toAbsolutePath());
    }
}
