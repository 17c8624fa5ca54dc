package io.prunestream.apps.experiment;

import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.data.BatchStream;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.Group;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.Optimizer;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.L1Norm;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.prune.PrunePlan;
import io.prunestream.core.prune.PruneSelector;
import io.prunestream.core.run.PruningRun;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.schedule.PruningSchedule;
import io.prunestream.core.schedule.ScheduleParams;
import io.prunestream.core.store.ModelStore;
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
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The paper's Table 1, honestly: per data set and seed a converged base (cached), then per pruning
 * ratio every variant starts from that identical network: one-shot L1 with the paper's budget
 * (equal fine-tune) and with equal total steps, GReg-1, GReg-1's timeline with lambda = 0, GReg-2,
 * and the BatchNorm-penalty ablations. Every run reads its batches by index from two streams of its
 * seed: step i before the fine-tune reads batch i of the regularisation stream, fine-tune step j
 * reads batch j of the fine-tune stream, so all methods see identical batches from the prune point
 * on, and one-shot L1 with equal total steps sees exactly GReg-1's batches. Every run is {@link
 * PruningRun}, the loop the stream job runs.
 *
 * <p>Long because the budgets are decided here and nowhere else: each variant's steps, schedule,
 * fine-tune start and learning rates, the batches it reads, and the cache key that says when a
 * finished run may be reused; apart they would be easier to get out of step.
 */
public final class Table1Experiment {

    /** The whole result: one section per data set. */
    public record Result(
            List<Table1Report.Section> sections, double seconds, String machine, String command) {}

    private Table1Experiment() {}

    public static Result run(Table1Settings s, PrintStream log, boolean terminal, String command) {
        long t0 = System.nanoTime();
        Table1Results.Provenance made = Table1Results.Provenance.of(command);
        Progress.Table table = new Progress.Table(log, terminal);
        List<Table1Report.Section> sections = new ArrayList<>();
        Map<Datasets, Splits> splits = new LinkedHashMap<>();
        for (Datasets d : s.data()) {
            Splits sp = Splits.load(d, s.trainSamples(), s.validationSamples(), s.testSamples());
            splits.put(d, sp);
            plan(s, sp, dir(s, sp), table);
            Table1Results.addPlan(resultsDir(s, sp), planOf(s));
        }
        log.printf(
                Locale.ROOT,
                "Table 1: %s, %s, seeds %s, ratios %s (+ %s at %s); %,d samples of training to do%n",
                s.data(),
                s.modelName(),
                s.seeds(),
                s.ratios(),
                s.extraVariants(),
                s.extraRatios(),
                table.planned());
        for (Datasets d : s.data()) {
            Splits sp = splits.get(d);
            Table1Report.Section sec = runDataSet(s, sp, table, log, made);
            sections.add(sec);
            write(dir(s, sp).resolve("table1.md"), Table1Markdown.section(sec));
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Result r = new Result(sections, secs, machine(), command);
        ModelStore.writeJson(s.out().resolve("table1.json"), r);
        write(s.out().resolve("table1.md"), Table1Markdown.markdown(r, s));
        return r;
    }

    private static void write(Path f, String text) {
        try {
            Files.createDirectories(f.toAbsolutePath().getParent());
            Files.writeString(f, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f, e);
        }
    }

    static Path dir(Table1Settings s, Splits d) {
        return s.out().resolve(d.name() + "-" + s.modelName());
    }

    /** Where the repository's copy of a table's results goes. */
    static Path resultsDir(Table1Settings s, Splits d) {
        return s.results().resolve(d.name() + "-" + s.modelName());
    }

    /** The runs these settings ask for, per table. */
    static Table1Results.Plan planOf(Table1Settings s) {
        List<String> runs = new ArrayList<>();
        for (long seed : s.seeds()) {
            for (double r : s.allRatios()) {
                for (Variant v : s.variantsAt(r)) {
                    runs.add(Table1Results.runName(seed, r, v));
                }
            }
        }
        return new Table1Results.Plan(s.seeds(), runs);
    }

    /** Adds to the table's plan the work not yet on disk. */
    private static void plan(Table1Settings s, Splits d, Path dir, Progress.Table table) {
        BatchStream probe = new BatchStream(d.train(), s.baseBatchSize(), 0);
        for (long seed : s.seeds()) {
            if (!Files.isDirectory(dir.resolve("base-seed" + seed))) {
                // a guess: half of the epoch cap; corrected when the base is done
                table.plan(baseGuess(s, probe));
            }
            for (double r : s.allRatios()) {
                for (Variant v : s.variantsAt(r)) {
                    if (!Files.isRegularFile(cellFile(dir, seed, r, v))) {
                        table.plan(plannedSteps(s, d, v) * s.batchSize());
                    }
                }
            }
        }
    }

    private static long baseGuess(Table1Settings s, BatchStream probe) {
        return (long) s.baseMaxEpochs() * probe.batchesPerEpoch() * s.baseBatchSize() / 2;
    }

    /**
     * Training steps of a variant for the time-left estimate: exact for the fixed budgets; for the
     * converged arm a guess (each stage a few evaluations past its patience), corrected when done.
     */
    static long plannedSteps(Table1Settings s, Splits d, Variant v) {
        if (!v.converged()) {
            return finetuneFrom(s, v) + s.finetuneIterations();
        }
        long guess = s.convergedLr().size() * (s.basePatience() + 3L) * evalEvery(s, d);
        return finetuneFrom(s, v) + Math.min(guess, convergedCap(s, d));
    }

    /** The step at which a variant starts reading the fine-tune stream. */
    static long finetuneFrom(Table1Settings s, Variant v) {
        if (v.setup().budget() == Variant.Budget.EQUAL_TOTAL) {
            return s.stepsBeforePrune(v.setup().matched());
        }
        return schedule(s, v).timeline().pruneIteration();
    }

    /** Converged arm: fine-tune steps between validation evaluations (0: an epoch). */
    static long evalEvery(Table1Settings s, Splits d) {
        return s.convergedEvalEvery() > 0
                ? s.convergedEvalEvery()
                : new BatchStream(d.train(), s.batchSize(), 0).batchesPerEpoch();
    }

    /** Converged arm: the fine-tune's cap, the base's epoch cap at the pruning batch. */
    static long convergedCap(Table1Settings s, Splits d) {
        return s.baseMaxEpochs() * new BatchStream(d.train(), s.batchSize(), 0).batchesPerEpoch();
    }

    static PruningSchedule schedule(Table1Settings s, Variant v) {
        ScheduleParams p = s.scheduleOf(v);
        return v.setup().method().schedule(p);
    }

    private static Table1Report.Section runDataSet(
            Table1Settings s,
            Splits d,
            Progress.Table table,
            PrintStream log,
            Table1Results.Provenance made) {
        long t0 = System.nanoTime();
        Path dir = dir(s, d);
        Path results = resultsDir(s, d);
        List<ConvergedBase.Info> bases = new ArrayList<>();
        List<CellResult> cells = new ArrayList<>();
        BatchStream probe = new BatchStream(d.train(), s.baseBatchSize(), 0);
        INDArray timingBatch = null;
        for (long seed : s.seeds()) {
            boolean planned = !Files.isDirectory(dir.resolve("base-seed" + seed));
            ConvergedBase.Base base = ConvergedBase.trainOrLoad(s, d, seed, dir, table, log, made);
            if (planned) {
                table.plan(base.info().steps() * s.baseBatchSize() - baseGuess(s, probe));
            }
            bases.add(base.info());
            Table1Results.writeBase(results, base.info());
            BatchStream reg = new BatchStream(d.train(), s.batchSize(), Seeds.regularise(seed));
            BatchStream ft = new BatchStream(d.train(), s.batchSize(), Seeds.finetune(seed));
            if (timingBatch == null) {
                timingBatch = d.train().batch(0, Math.min(256, d.train().size())).getFeatures();
            }
            Map<String, String> labels = new LinkedHashMap<>();
            for (Group g : DependencyGraph.of(base.network()).groups(s.groups())) {
                labels.put(g.name(), g.label());
            }
            for (double r : s.allRatios()) {
                PrunePlan l1 =
                        PruneSelector.select(
                                base.network(),
                                Granularity.FILTER,
                                s.groups(),
                                LayerRatios.uniform(r),
                                new L1Norm());
                for (Variant v : s.variantsAt(r)) {
                    Path f = cellFile(dir, seed, r, v);
                    String key = cellKey(s, d, base.info(), r, v);
                    CellResult c = readCell(f, key);
                    boolean cached = c != null;
                    if (!cached) {
                        long guess = plannedSteps(s, d, v);
                        c =
                                runCell(
                                        s,
                                        d,
                                        base,
                                        seed,
                                        r,
                                        v,
                                        key,
                                        new Streams(reg, ft, l1, labels, timingBatch),
                                        table,
                                        made);
                        table.plan((c.totalSteps() - guess) * s.batchSize());
                        ModelStore.writeJson(f, c);
                    }
                    Table1Results.writeCell(results, c);
                    cells.add(c);
                    table.line(summary(c, cached ? " (cached: " + f + ")" : ""));
                }
            }
        }
        return Table1Report.section(
                d.name() + "-" + s.modelName(),
                bases,
                cells,
                planOf(s),
                (System.nanoTime() - t0) / 1e9);
    }

    static Path cellFile(Path dir, long seed, double r, Variant v) {
        return dir.resolve("runs").resolve(Table1Results.runName(seed, r, v) + ".json");
    }

    private static CellResult readCell(Path f, String key) {
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            CellResult c = ModelStore.fromJson(Files.readAllBytes(f), CellResult.class);
            return key.equals(c.key()) ? c : null; // other settings: run again, overwrite
        } catch (IOException e) {
            return null; // half-written by an interrupted run: run again
        }
    }

    /** The settings that decide one run (and its base), as text: the cache key. */
    static String cellKey(
            Table1Settings s, Splits d, ConvergedBase.Info base, double r, Variant v) {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("base", base.key());
        k.put("test", d.testSize());
        k.put("groups", s.groups().toString());
        k.put("ratio", r);
        k.put("variant", v.id());
        k.put("schedule", new TreeMap<>(schedule(s, v).parameters()));
        k.put("batchnorm", v.setup().normPenalty(s.normPenalty()).toString());
        k.put("batch", s.batchSize());
        k.put("lr.prune", s.lrPrune());
        k.put("finetuneFrom", finetuneFrom(s, v));
        if (v.converged()) {
            k.put("lr.converged", s.convergedLr().toString());
            k.put("evalEvery", evalEvery(s, d));
            k.put("patience", s.basePatience());
            k.put("minGain", s.baseMinGain());
            k.put("cap", convergedCap(s, d));
        } else {
            k.put("lr.finetune", lrFinetune(s, v).toString());
            k.put("finetune", s.finetuneIterations());
        }
        k.put("record", s.recordBatches());
        return k.toString();
    }

    /**
     * The fine-tune learning rates of a fixed-budget variant, by steps since its PRUNE step. A
     * one-shot row with equal total steps spends the matched method's R steps before pruning at
     * that method's rate during them (the regularisation rate), then follows the common fine-tune
     * schedule: the rate of every step equals the matched method's.
     */
    static LrSchedule lrFinetune(Table1Settings s, Variant v) {
        if (v.setup().budget() != Variant.Budget.EQUAL_TOTAL) {
            return s.lrFinetune();
        }
        long shift = finetuneFrom(s, v);
        StringBuilder b = new StringBuilder("0:" + s.lrPrune());
        for (String part : s.lrFinetune().toString().split(",")) {
            String[] kv = part.split(":");
            b.append(',').append(Long.parseLong(kv[0]) + shift).append(':').append(kv[1]);
        }
        return LrSchedule.parse(b.toString());
    }

    /**
     * The converged arm's fine-tune rates: stage k's rate from the step it started at ({@code
     * starts}, steps since the PRUNE step).
     */
    static LrSchedule stagedLr(List<Double> rates, List<Long> starts) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < starts.size(); k++) {
            b.append(k == 0 ? "" : ",").append(starts.get(k)).append(':').append(rates.get(k));
        }
        return LrSchedule.parse(b.toString());
    }

    /** What every run of one seed at one ratio reads: its batches, L1's plan, layer names. */
    private record Streams(
            BatchStream reg,
            BatchStream ft,
            PrunePlan l1,
            Map<String, String> labels,
            INDArray timingBatch) {}

    private static RunSpec spec(
            Table1Settings s, ModelSpec model, Variant v, double r, LrSchedule finetune) {
        return new RunSpec(
                v.id() + "@" + r,
                model,
                new OptimizerSpec(Optimizer.SGD, s.lrPrune(), s.momentum(), s.weightDecay()),
                schedule(s, v),
                Granularity.FILTER,
                LayerRatios.uniform(r),
                ImportanceCriterion.L1,
                LrSchedule.constant(s.lrPrune()), // no TRAIN phase: never read
                s.lrPrune(),
                finetune,
                s.batchSize(),
                v.setup().normPenalty(s.normPenalty()),
                s.groups());
    }

    private static CellResult runCell(
            Table1Settings s,
            Splits d,
            ConvergedBase.Base base,
            long seed,
            double r,
            Variant v,
            String key,
            Streams in,
            Progress.Table table,
            Table1Results.Provenance made) {
        long t0 = System.nanoTime();
        ModelSpec model = s.modelSpec(d.train().shape(), d.train().classes(), seed);
        List<Double> rates = s.convergedLr();
        RunSpec spec =
                spec(
                        s,
                        model,
                        v,
                        r,
                        v.converged() ? LrSchedule.constant(rates.get(0)) : lrFinetune(s, v));
        PruningRun run = PruningRun.from(RunSettings.quiet(spec), base.network().copy());
        long from = finetuneFrom(s, v);
        List<Long> hashes = s.recordBatches() ? new ArrayList<>() : null;
        String task = String.format(Locale.ROOT, "%s s%d r%s %s", d.name(), seed, r, v.id());
        long evalEvery = v.converged() ? evalEvery(s, d) : 0;
        long cap = v.converged() ? convergedCap(s, d) : s.finetuneIterations();
        PlateauRule rule = new PlateauRule(rates.size(), s.basePatience(), s.baseMinGain(), cap);
        List<Long> starts = new ArrayList<>(List.of(0L));
        try (Progress p = table.bar(task, from + cap, s.batchSize())) {
            for (long i = 0; i < from; i++) {
                p.step(step(run, in.reg().batch(i), hashes));
            }
            if (!v.converged()) {
                for (long j = 0; j < cap; j++) {
                    p.step(step(run, in.ft().batch(j), hashes));
                }
            } else {
                long j = 0;
                PlateauRule.Next next = PlateauRule.Next.SAME_STAGE;
                while (next != PlateauRule.Next.STOP) {
                    for (long k = 0; k < evalEvery && j < cap; k++) {
                        p.step(step(run, in.ft().batch(j++), hashes));
                    }
                    double acc = d.validationSet().accuracy(run.network(), 500);
                    p.message(
                            String.format(
                                    Locale.ROOT,
                                    "lr %s, validation %.2f%%",
                                    rates.get(rule.stage()),
                                    100 * acc));
                    next = rule.evaluated(acc, j);
                    if (next == PlateauRule.Next.NEXT_STAGE) {
                        // the same run goes on (optimizer state included) at the next rate
                        starts.add(j);
                        RunSpec staged = spec(s, model, v, r, stagedLr(rates, starts));
                        run = PruningRun.restore(RunSettings.quiet(staged), run.snapshot(), null);
                    }
                }
            }
        }
        PruningTrainer t = run.trainer();
        Network net = t.network();
        double acc = d.testSet().accuracy(net, 500);
        NetworkCost base0 = NetworkCost.of(base.network());
        NetworkCost cost = NetworkCost.of(net);
        boolean timed =
                v.setup().method() == PruningMethod.ONESHOT_L1
                        && v.setup().budget() != Variant.Budget.EQUAL_TOTAL
                        && s.timingReps() > 0;
        double measured =
                timed
                        ? InferenceTimer.speedup(
                                base.network(), net, in.timingBatch(), s.timingReps())
                        : Double.NaN;
        // per pruned layer in network order
        Map<String, Double> ratios = new LinkedHashMap<>();
        base0.convWidths().keySet().stream()
                .filter(t.magnitudeRatiosAtPrune()::containsKey)
                .forEach(k -> ratios.put(k, t.magnitudeRatiosAtPrune().get(k)));
        t.magnitudeRatiosAtPrune().forEach(ratios::putIfAbsent);
        Map<String, String> scheduleParams = new LinkedHashMap<>();
        schedule(s, v).parameters().forEach((k, x) -> scheduleParams.put(k, String.valueOf(x)));
        return new CellResult(
                key,
                d.name(),
                s.modelName(),
                d.testSize(),
                s.groups().toString(),
                seed,
                r,
                v.id(),
                spec.normPenalty().toString(),
                v.setup().penaltyScale(),
                scheduleParams,
                t.prunedAt(),
                t.iteration() - t.prunedAt(),
                t.iteration(),
                from,
                v.converged() ? rates.subList(0, rule.evaluationsPerStage().size()) : List.of(),
                v.converged() ? rule.evaluationsPerStage() : List.of(),
                v.converged() ? rule.curve() : List.of(),
                evalEvery,
                v.converged() && rule.hitCap(),
                acc,
                cost.params(),
                cost.flops(),
                base0.speedupOver(cost),
                measured,
                ratios,
                t.magnitudeRatioAtPrune(),
                t.pickOverlap(),
                overlapByLayer(t.plan(), in.l1(), in.labels()),
                samePlan(in.l1(), t.plan()),
                cost.convWidths(),
                (System.nanoTime() - t0) / 1e9,
                made.revision(),
                made.command(),
                hashes);
    }

    private static double step(PruningRun run, DataSet b, List<Long> hashes) {
        if (hashes != null) {
            hashes.add(fingerprint(b));
        }
        return run.step(b, null).event().loss();
    }

    /**
     * Per pruned layer (by its name), the share of the filters a run removed that L1 on the base
     * removes too: 1 for the rows that prune L1's set.
     */
    static Map<String, Double> overlapByLayer(
            PrunePlan run, PrunePlan l1, Map<String, String> labels) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : run.pruned().entrySet()) {
            int[] theirs = l1.prunedOf(e.getKey());
            long shared =
                    Arrays.stream(e.getValue())
                            .filter(i -> Arrays.binarySearch(theirs, i) >= 0)
                            .count();
            out.put(
                    labels.getOrDefault(e.getKey(), e.getKey()),
                    (double) shared / e.getValue().length);
        }
        return out;
    }

    /** A fingerprint of a batch's contents (features and labels). */
    static long fingerprint(DataSet b) {
        long h = Arrays.hashCode(b.getFeatures().dup('c').data().asFloat());
        return h * 31 + Arrays.hashCode(b.getLabels().dup('c').data().asFloat());
    }

    static boolean samePlan(PrunePlan a, PrunePlan b) {
        if (!a.pruned().keySet().equals(b.pruned().keySet())) {
            return false;
        }
        return a.pruned().entrySet().stream()
                .allMatch(e -> Arrays.equals(e.getValue(), b.prunedOf(e.getKey())));
    }

    private static String summary(CellResult c, String from) {
        return String.format(
                Locale.ROOT,
                "%s seed %d r %s %-22s top-1 %.2f%%  steps %d+%d  kept/pruned min %s  %.0f s%s",
                c.data(),
                c.seed(),
                c.ratio(),
                c.variant(),
                100 * c.accuracy(),
                c.stepsBeforePrune(),
                c.finetuneSteps(),
                Table1Markdown.ratio(c.minMagnitudeRatio()),
                c.seconds(),
                from);
    }

    static String machine() {
        return Runtime.getRuntime().availableProcessors()
                + " cores, "
                + System.getProperty("os.arch")
                + ", Java "
                + System.getProperty("java.version");
    }
}
