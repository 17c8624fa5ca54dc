package io.prunestream.apps.experiment;

import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.data.BatchStream;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.Optimizer;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.prune.CyclePick;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.run.CycleSettings;
import io.prunestream.core.run.Evaluation;
import io.prunestream.core.run.GuardSettings;
import io.prunestream.core.run.PruningRun;
import io.prunestream.core.run.Publication;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.store.PruningReport;
import io.prunestream.core.train.LrSchedule;
import io.prunestream.core.train.RunSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Continuous pruning measured (README, "Continuous pruning, measured"): per seed, from the Table-1
 * experiment's converged base, a continuous run (GReg-1 cycles, a budget of {@code budget} points
 * of validation accuracy below the base's) trains {@code steps} steps; every cycle's version is
 * tested on the test split. Then one-shot GReg-1, the Table-1 schedule, prunes the same base to the
 * continuous run's final widths and fine-tunes for the same total steps on the same batches. Both
 * are {@link PruningRun}, the loop the stream job runs.
 */
final class ContinuousExperiment {

    /**
     * @param table the Table-1 settings: data, bases (shared cache), splits, batch, optimizer,
     *     one-shot GReg-1's schedule and fine-tune rates
     * @param steps training steps of both runs
     * @param cycles the continuous run's cycles (step, fine-tune, budget, targets)
     * @param cycleDelta δλ of a cycle's GReg-1 growth (K_u = 1, τ = 1)
     * @param cycleStabilize K_s of a cycle
     * @param limit how far a layer may be pruned in the end (the continuous run's prune.ratios)
     * @param evalEvery steps between validation evaluations (drift watch between cycles)
     */
    record Settings(
            Table1Settings table,
            long steps,
            CycleSettings cycles,
            double cycleDelta,
            long cycleStabilize,
            double limit,
            long evalEvery) {}

    /** A cycle's version (or a rolled-back cycle), with its test accuracy. */
    record CyclePoint(
            int cycle,
            long iteration,
            long flops,
            double speedup,
            long params,
            double validation,
            double test,
            boolean rolledBack) {}

    /** One seed's result. */
    record SeedResult(
            long seed,
            double baseValidation,
            double baseTest,
            List<CyclePoint> cycles,
            double finalSpeedup,
            double finalTest,
            Map<String, Long> finalWidths,
            double greg1Speedup,
            double greg1Test,
            long steps,
            double seconds) {}

    private ContinuousExperiment() {}

    /** The settings that decide one seed's result: all but the list of seeds. */
    static String seedKey(Settings s) {
        return s.toString().replaceFirst("seeds=\\[[^\\]]*\\], ", "");
    }

    /** A seed finished before with the same settings (a rerun adds seeds without redoing them). */
    private static SeedResult cached(Path file, Path keyFile, String key) {
        try {
            if (Files.isRegularFile(file)
                    && Files.isRegularFile(keyFile)
                    && Files.readString(keyFile).equals(key)) {
                return ModelStore.fromJson(Files.readAllBytes(file), SeedResult.class);
            }
        } catch (IOException e) {
            // unreadable: run the seed again
        }
        return null;
    }

    private static void writeKey(Path keyFile, String key) {
        try {
            Files.writeString(keyFile, key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<SeedResult> run(Settings s, PrintStream log, boolean terminal) {
        Table1Settings t = s.table();
        List<SeedResult> out = new ArrayList<>();
        Progress.Table table = new Progress.Table(log, terminal);
        // a base trained here is the Table-1 experiment's, cached for both commands
        Table1Results.Provenance made =
                Table1Results.Provenance.of("./prunestream experiment-continuous");
        for (Datasets data : t.data()) {
            Splits d = Splits.load(data, t.trainSamples(), t.validationSamples(), t.testSamples());
            Path dir = Table1Experiment.dir(t, d);
            for (long seed : t.seeds()) {
                long t0 = System.nanoTime();
                ConvergedBase.Base base =
                        ConvergedBase.trainOrLoad(t, d, seed, dir, table, log, made);
                Path file = dir.resolve("continuous").resolve("seed" + seed + ".json");
                Path keyFile = dir.resolve("continuous").resolve("seed" + seed + ".key");
                String key = seedKey(s);
                SeedResult r = cached(file, keyFile, key);
                if (r == null) {
                    r = seed(s, d, seed, base, table, t0);
                    ModelStore.writeJson(file, r);
                    writeKey(keyFile, key);
                } else {
                    log.println(
                            "seed " + seed + ": finished before with these settings, read " + file);
                }
                out.add(r);
                log.println(line(r));
            }
        }
        return out;
    }

    private static SeedResult seed(
            Settings s,
            Splits d,
            long seed,
            ConvergedBase.Base base,
            Progress.Table table,
            long t0) {
        Table1Settings t = s.table();
        ModelSpec model = t.modelSpec(d.train().shape(), d.train().classes(), seed);
        OptimizerSpec opt =
                new OptimizerSpec(Optimizer.SGD, t.lrPrune(), t.momentum(), t.weightDecay());
        RunSpec cont =
                new RunSpec(
                        "continuous-seed" + seed,
                        model,
                        opt,
                        PruningMethod.GREG1.schedule(
                                t.schedule()
                                        .withGrowth(1, s.cycleDelta(), 1.0, s.cycleStabilize())),
                        Granularity.FILTER,
                        LayerRatios.uniform(s.limit()),
                        ImportanceCriterion.L1,
                        LrSchedule.constant(t.lrPrune()), // no TRAIN phase: never read
                        t.lrPrune(),
                        t.lrFinetune(),
                        t.batchSize(),
                        t.normPenalty());
        RunSettings rs =
                new RunSettings(
                        cont,
                        s.evalEvery(),
                        0,
                        Long.MAX_VALUE,
                        GuardSettings.DEFAULTS,
                        Evaluation.FIXED,
                        s.cycles());
        PruningRun run = PruningRun.from(rs, base.network().copy());
        BatchStream batches = new BatchStream(d.train(), t.batchSize(), Seeds.regularise(seed));
        NetworkCost baseCost = NetworkCost.of(base.network());
        List<CyclePoint> points = new ArrayList<>();
        try (Progress p =
                table.bar(d.name() + " s" + seed + " continuous", s.steps(), t.batchSize())) {
            for (long i = 0; i < s.steps(); i++) {
                PruningRun.Step st = run.step(batches.batch(i), d.validationSet());
                if (st.publication() != null) {
                    points.addAll(points(st.publication(), d, baseCost, points));
                }
                p.step(st.event().loss());
            }
        }
        Publication last = run.publish(d.validationSet(), true);
        Network kept = last != null ? network(last, d) : run.network();
        NetworkCost keptCost = NetworkCost.of(kept);
        double finalTest = d.testSet().accuracy(kept, 500);

        // one-shot GReg-1 at the same final widths, the same steps, the same batches
        Map<String, Double> ratios = new LinkedHashMap<>();
        Map<String, Long> before = baseCost.widths();
        keptCost.widths()
                .forEach(
                        (layer, w) -> {
                            long b = before.get(layer);
                            if (w < b) {
                                ratios.put(layer, CyclePick.ratioFor((int) (b - w), (int) b));
                            }
                        });
        RunSpec once =
                new RunSpec(
                        "greg1-seed" + seed,
                        model,
                        opt,
                        PruningMethod.GREG1.schedule(t.schedule()),
                        Granularity.FILTER,
                        LayerRatios.exact(ratios),
                        ImportanceCriterion.L1,
                        LrSchedule.constant(t.lrPrune()),
                        t.lrPrune(),
                        t.lrFinetune(),
                        t.batchSize(),
                        t.normPenalty());
        PruningRun greg1 = PruningRun.from(RunSettings.quiet(once), base.network().copy());
        try (Progress p = table.bar(d.name() + " s" + seed + " greg1", s.steps(), t.batchSize())) {
            for (long i = 0; i < s.steps(); i++) {
                p.step(greg1.step(batches.batch(i), null).event().loss());
            }
        }
        NetworkCost g = NetworkCost.of(greg1.network());
        return new SeedResult(
                seed,
                d.validationSet().accuracy(base.network(), 500),
                d.testSet().accuracy(base.network(), 500),
                points,
                baseCost.speedupOver(keptCost),
                finalTest,
                keptCost.widths(),
                baseCost.speedupOver(g),
                d.testSet().accuracy(greg1.network(), 500),
                s.steps(),
                (System.nanoTime() - t0) / 1e9);
    }

    /** The cycle a version stands for (its first version only), and the cycle it rolled back. */
    private static List<CyclePoint> points(
            Publication p, Splits d, NetworkCost base, List<CyclePoint> seen) {
        PruningReport.Lineage l = p.version().report().lineage();
        List<CyclePoint> out = new ArrayList<>();
        PruningReport.RolledBack b = l.rolledBackFrom();
        if (b != null) {
            out.add(
                    new CyclePoint(
                            b.cycle(),
                            p.version().iteration(),
                            b.flops(),
                            (double) base.flops() / b.flops(),
                            b.params(),
                            b.accuracy(),
                            Double.NaN,
                            true));
        }
        boolean known = seen.stream().anyMatch(c -> !c.rolledBack() && c.cycle() == l.cycle());
        if (!known) {
            out.add(
                    new CyclePoint(
                            l.cycle(),
                            p.version().iteration(),
                            l.flops(),
                            (double) base.flops() / l.flops(),
                            l.params(),
                            l.accuracy(),
                            d.testSet().accuracy(network(p, d), 500),
                            false));
        }
        return out;
    }

    private static Network network(Publication p, Splits d) {
        return Network.fromBytes(p.model(), p.version().report().graph(), d.train().shape());
    }

    static String line(SeedResult r) {
        return String.format(
                Locale.ROOT,
                "seed %d: base %.2f %% (test); continuous x%.2f FLOPs at %.2f %% after %d cycles;"
                        + " one-shot GReg-1 at x%.2f: %.2f %% (%.0f s)",
                r.seed(),
                100 * r.baseTest(),
                r.finalSpeedup(),
                100 * r.finalTest(),
                r.cycles().stream().filter(c -> !c.rolledBack()).count() - 1,
                r.greg1Speedup(),
                100 * r.greg1Test(),
                r.seconds());
    }

    /** The README table: per cycle, and the final comparison, mean ± std over seeds. */
    static String markdown(Settings s, List<SeedResult> results, double seconds) {
        StringBuilder sb = new StringBuilder();
        int seeds = results.size();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Seeds %s, %d steps each, budget %.1f point(s) of validation accuracy,"
                                + " cycle step %s, fine-tune %d; wall time %s (the seeds' sum)%s.%n%n",
                        results.stream().map(SeedResult::seed).toList(),
                        s.steps(),
                        s.cycles().budget(),
                        s.cycles().step(),
                        s.cycles().finetune(),
                        Progress.Table.clock(
                                Math.round(
                                        results.stream().mapToDouble(SeedResult::seconds).sum())),
                        seeds < 3 ? " (partial: " + seeds + " seed(s) of 3)" : ""));
        sb.append(
                "| cycle | kept in | FLOPs speed-up | params | validation accuracy | test accuracy"
                        + " |\n|---|---|---|---|---|---|\n");
        int maxCycle =
                results.stream()
                        .flatMap(r -> r.cycles().stream())
                        .mapToInt(CyclePoint::cycle)
                        .max()
                        .orElse(0);
        for (int c = 0; c <= maxCycle; c++) {
            int cycle = c;
            List<CyclePoint> kept = new ArrayList<>();
            int rolled = 0;
            for (SeedResult r : results) {
                for (CyclePoint p : r.cycles()) {
                    if (p.cycle() == cycle) {
                        if (p.rolledBack()) {
                            rolled++;
                        } else {
                            kept.add(p);
                        }
                    }
                }
            }
            if (kept.isEmpty() && rolled == 0) {
                continue;
            }
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %d | %d of %d seeds%s | %s | %s | %s | %s |%n",
                            cycle,
                            kept.size(),
                            seeds,
                            rolled > 0 ? " (" + rolled + " rolled back)" : "",
                            ms(kept.stream().mapToDouble(CyclePoint::speedup).toArray(), 1, "x"),
                            ms(kept.stream().mapToDouble(p -> p.params()).toArray(), 1, "", 0),
                            ms(
                                    kept.stream().mapToDouble(CyclePoint::validation).toArray(),
                                    100,
                                    " %"),
                            ms(kept.stream().mapToDouble(CyclePoint::test).toArray(), 100, " %")));
        }
        sb.append("\n| after the same steps | FLOPs speed-up | test accuracy |\n|---|---|---|\n");
        sb.append(
                String.format(
                        Locale.ROOT,
                        "| base (converged) | 1x | %s |%n",
                        ms(
                                results.stream().mapToDouble(SeedResult::baseTest).toArray(),
                                100,
                                " %")));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "| continuous (its last kept cycle) | %s | %s |%n",
                        ms(
                                results.stream().mapToDouble(SeedResult::finalSpeedup).toArray(),
                                1,
                                "x"),
                        ms(
                                results.stream().mapToDouble(SeedResult::finalTest).toArray(),
                                100,
                                " %")));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "| one-shot GReg-1, same final widths | %s | %s |%n",
                        ms(
                                results.stream().mapToDouble(SeedResult::greg1Speedup).toArray(),
                                1,
                                "x"),
                        ms(
                                results.stream().mapToDouble(SeedResult::greg1Test).toArray(),
                                100,
                                " %")));
        return sb.toString();
    }

    /** mean ± standard deviation (n - 1), or the value alone for one. */
    static String ms(double[] v, double scale, String unit) {
        return ms(v, scale, unit, 2);
    }

    static String ms(double[] v, double scale, String unit, int decimals) {
        if (v.length == 0) {
            return "—";
        }
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        if (v.length == 1) {
            return String.format(Locale.ROOT, "%." + decimals + "f%s", scale * mean, unit);
        }
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        double sd = Math.sqrt(ss / (v.length - 1));
        return String.format(
                Locale.ROOT,
                "%." + decimals + "f ± %." + decimals + "f%s",
                scale * mean,
                scale * sd,
                unit);
    }
}
