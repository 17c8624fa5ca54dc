package io.prunestream.apps.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * Aggregates finished runs over seeds (mean and sample standard deviation) and writes the table.
 *
 * <p>Rule for calling a difference: per seed, the two runs share the base and the batches, so the
 * difference is taken per seed; it is called a gain (or a loss) only when the mean of the per-seed
 * differences exceeds the spread, taken as the largest of: the standard deviation of the per-seed
 * differences and the standard deviations of the two cells. With one seed nothing is called.
 */
public final class Table1Report {
    private Table1Report() {}

    /** Mean and sample standard deviation (n - 1) of n values; sd is NaN for n < 2. */
    public record Stat(double mean, double sd, int n) {
        static Stat of(List<Double> v) {
            List<Double> x = v.stream().filter(d -> d != null && !Double.isNaN(d)).toList();
            int n = x.size();
            if (n == 0) {
                return new Stat(Double.NaN, Double.NaN, 0);
            }
            double mean = x.stream().mapToDouble(Double::doubleValue).sum() / n;
            if (n < 2) {
                return new Stat(mean, Double.NaN, 1);
            }
            double ss = x.stream().mapToDouble(d -> (d - mean) * (d - mean)).sum();
            return new Stat(mean, Math.sqrt(ss / (n - 1)), n);
        }
    }

    /**
     * Kept/pruned magnitude ratios over seeds: they span many orders of magnitude, so the centre is
     * the geometric mean.
     */
    public record RatioStat(double geometricMean, double min, double max, int n) {
        static RatioStat of(List<Double> v) {
            List<Double> x = v.stream().filter(d -> d != null && d > 0 && !d.isNaN()).toList();
            if (x.isEmpty()) {
                return new RatioStat(Double.NaN, Double.NaN, Double.NaN, 0);
            }
            double logs = x.stream().mapToDouble(Math::log).sum();
            return new RatioStat(
                    Math.exp(logs / x.size()),
                    x.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                    x.stream().mapToDouble(Double::doubleValue).max().orElseThrow(),
                    x.size());
        }
    }

    /** How a difference of two cells is called: gain, loss, or within the spread. */
    public enum Call {
        GAIN,
        LOSS,
        WITHIN_SPREAD,
        NOT_CALLED_ONE_SEED
    }

    /**
     * A paired difference (a - b, per seed) and its call.
     *
     * @param spread max(sd of the differences, sd of a, sd of b)
     */
    public record Difference(Stat difference, double spread, Call call) {

        static Difference of(Map<Long, Double> a, Map<Long, Double> b) {
            List<Double> d = new ArrayList<>();
            List<Double> av = new ArrayList<>();
            List<Double> bv = new ArrayList<>();
            for (Map.Entry<Long, Double> e : a.entrySet()) {
                Double other = b.get(e.getKey());
                if (other != null) {
                    d.add(e.getValue() - other);
                    av.add(e.getValue());
                    bv.add(other);
                }
            }
            Stat sd = Stat.of(d);
            if (sd.n() < 2) {
                return new Difference(sd, Double.NaN, Call.NOT_CALLED_ONE_SEED);
            }
            double spread = Math.max(sd.sd(), Math.max(Stat.of(av).sd(), Stat.of(bv).sd()));
            Call call =
                    sd.mean() > spread
                            ? Call.GAIN
                            : sd.mean() < -spread ? Call.LOSS : Call.WITHIN_SPREAD;
            return new Difference(sd, spread, call);
        }
    }

    /** One table row: a variant at a ratio, over seeds. */
    public record Row(
            double ratio,
            String variant,
            String label,
            String normPenalty,
            long stepsBeforePrune,
            long finetuneSteps,
            Stat accuracy,
            Map<Long, Double> accuracyBySeed,
            Difference vsOneShot,
            Difference vsOneShotEqualSteps,
            Difference vsLambda0,
            String parent,
            Difference vsParent,
            Map<String, RatioStat> magnitudeRatios,
            RatioStat minMagnitudeRatio,
            Stat pickOverlap,
            boolean samePrunedSetAsL1,
            Stat seconds) {}

    /** Size and speed of the pruned network at one ratio (the same for every variant). */
    public record Counts(
            double ratio,
            long params,
            long flops,
            double flopsSpeedup,
            Stat measuredSpeedup,
            Map<String, Long> widths) {}

    /** The converged bases, over seeds. */
    public record BaseSummary(
            Stat validation,
            Stat test,
            Stat epochs,
            Stat steps,
            int hitMaxEpochs,
            long params,
            long flops,
            Stat seconds) {}

    /** One data set's table. */
    public record Section(
            String data,
            String model,
            int testImages,
            List<Long> seeds,
            BaseSummary base,
            List<Row> rows,
            List<Counts> counts,
            List<ConvergedBase.Info> bases,
            List<CellResult> cells,
            double seconds,
            double computeSeconds) {}

    static Section section(
            String data,
            String model,
            int testImages,
            List<ConvergedBase.Info> bases,
            List<CellResult> cells,
            Table1Settings s,
            double seconds) {
        BaseSummary base =
                new BaseSummary(
                        stat(bases, ConvergedBase.Info::validationAccuracy),
                        stat(bases, ConvergedBase.Info::testAccuracy),
                        stat(bases, ConvergedBase.Info::epochs),
                        stat(bases, b -> b.steps()),
                        (int) bases.stream().filter(ConvergedBase.Info::hitMaxEpochs).count(),
                        bases.get(0).params(),
                        bases.get(0).flops(),
                        stat(bases, ConvergedBase.Info::seconds));
        List<Row> rows = new ArrayList<>();
        List<Counts> counts = new ArrayList<>();
        for (double r : s.allRatios()) {
            Map<Long, Double> oneShot = bySeed(cells, r, Variant.ONESHOT_L1);
            Map<Long, Double> equalSteps = bySeed(cells, r, Variant.ONESHOT_L1_EQUAL_STEPS);
            Map<Long, Double> lambda0 = bySeed(cells, r, Variant.GREG1_LAMBDA0);
            for (Variant v : s.variantsAt(r)) {
                List<CellResult> c = cells(cells, r, v);
                if (c.isEmpty()) {
                    continue;
                }
                Map<Long, Double> acc = bySeed(cells, r, v);
                boolean greg = v.setup().regularises();
                rows.add(
                        new Row(
                                r,
                                v.id(),
                                v.label(),
                                c.get(0).normPenalty(),
                                c.get(0).stepsBeforePrune(),
                                c.get(0).finetuneSteps(),
                                Stat.of(new ArrayList<>(acc.values())),
                                acc,
                                v == Variant.ONESHOT_L1 ? null : Difference.of(acc, oneShot),
                                v == Variant.ONESHOT_L1_EQUAL_STEPS
                                        ? null
                                        : Difference.of(acc, equalSteps),
                                greg ? Difference.of(acc, lambda0) : null,
                                v.parent() == null ? null : v.parent().id(),
                                v.parent() == null
                                        ? null
                                        : Difference.of(acc, bySeed(cells, r, v.parent())),
                                layerRatios(c),
                                RatioStat.of(
                                        c.stream().map(CellResult::minMagnitudeRatio).toList()),
                                stat(c, CellResult::pickOverlap),
                                c.stream().allMatch(CellResult::samePrunedSetAsL1),
                                stat(c, CellResult::seconds)));
            }
            List<CellResult> atR = cells.stream().filter(x -> x.ratio() == r).toList();
            if (!atR.isEmpty()) {
                CellResult any = atR.get(0);
                counts.add(
                        new Counts(
                                r,
                                any.params(),
                                any.flops(),
                                any.flopsSpeedup(),
                                stat(atR, CellResult::measuredSpeedup),
                                any.widths()));
            }
        }
        double compute =
                bases.stream().mapToDouble(ConvergedBase.Info::seconds).sum()
                        + cells.stream().mapToDouble(CellResult::seconds).sum();
        return new Section(
                data,
                model,
                testImages,
                s.seeds(),
                base,
                rows,
                counts,
                bases,
                cells,
                seconds,
                compute);
    }

    private static List<CellResult> cells(List<CellResult> all, double r, Variant v) {
        return all.stream().filter(c -> c.ratio() == r && c.variant().equals(v.id())).toList();
    }

    private static Map<Long, Double> bySeed(List<CellResult> all, double r, Variant v) {
        Map<Long, Double> m = new TreeMap<>();
        cells(all, r, v).forEach(c -> m.put(c.seed(), c.accuracy()));
        return m;
    }

    private static <T> Stat stat(List<T> items, ToDoubleFunction<T> f) {
        return Stat.of(items.stream().map(x -> f.applyAsDouble(x)).toList());
    }

    private static Map<String, RatioStat> layerRatios(List<CellResult> c) {
        Map<String, List<Double>> by = new LinkedHashMap<>();
        for (CellResult x : c) {
            x.magnitudeRatios()
                    .forEach((k, v) -> by.computeIfAbsent(k, q -> new ArrayList<>()).add(v));
        }
        Map<String, RatioStat> out = new LinkedHashMap<>();
        by.forEach((k, v) -> out.put(k, RatioStat.of(v)));
        return out;
    }

    // ---- markdown ----

    public static String markdown(Table1Experiment.Result r, Table1Settings s) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Command: `%s`%n%nRuntime %s (cached bases and runs not counted) on %s.%n%n",
                        r.command(),
                        Progress.Table.clock(Math.round(r.seconds())),
                        r.machine()));
        sb.append(protocol(s)).append('\n');
        for (Section sec : r.sections()) {
            sb.append(section(sec, s)).append('\n');
        }
        return sb.toString();
    }

    static String protocol(Table1Settings s) {
        return String.format(
                Locale.ROOT,
                "Protocol: each seed trains its own base to a plateau (batch %d, learning-rate stages"
                        + " %s; validation = the last %d images of TRAIN, evaluated every %s; a"
                        + " stage ends when none of its last %d evaluations beats the stage's"
                        + " earlier best by more than %.1f points; at most %d epochs). Every run of"
                        + " that seed starts from the identical stored base. GReg: lr %s while"
                        + " regularising, K_u = %d, δλ = %s, τ = %s, K_s = %d (GReg-2: δλ_pick = %s"
                        + " to τ′ = %s, recover %s); BatchNorm penalty `%s` unless the row says"
                        + " otherwise. Fine-tune: %d steps from the prune step on, lr %s; batch %d,"
                        + " SGD-Nesterov 0.9, weight decay %s. Budget (a), the paper's: every method"
                        + " fine-tunes the same %d steps. Budget (b): one-shot L1 gets GReg-1's R ="
                        + " %d regularisation steps as extra fine-tuning at lr %s, on the very"
                        + " batches GReg-1 regularises on, then the common fine-tune. Batches: step i"
                        + " before the fine-tune reads batch i of the seed's regularisation stream,"
                        + " fine-tune step j reads batch j of its fine-tune stream, so every method"
                        + " trains on identical batches from the prune step on. Top-1 on the test"
                        + " split after the last step (no selection on test). FLOPs = multiplies +"
                        + " adds of conv and linear layers (2 × MACs), params = conv and linear"
                        + " weights and biases (no BatchNorm), as the authors count. Differences are"
                        + " paired by seed; one is called (bold: gain, italic: loss) only when the"
                        + " mean of the per-seed differences exceeds the spread = max(std of the"
                        + " differences, std of either cell). 'vs the method's default' compares an"
                        + " ablation with the GReg row it changes one setting of. The λ = 0 control"
                        + " is GReg-1's timeline and pruned set with every λ = 0.%n",
                s.baseBatchSize(),
                s.baseLr().stream().map(String::valueOf).collect(Collectors.joining(" → ")),
                s.validationSamples(),
                s.baseEvalEvery() > 0 ? s.baseEvalEvery() + " steps" : "epoch",
                s.basePatience(),
                100 * s.baseMinGain(),
                s.baseMaxEpochs(),
                s.lrPrune(),
                s.schedule().interval(),
                s.schedule().delta(),
                s.schedule().ceiling(),
                s.schedule().stabilize(),
                s.schedule().pickDelta(),
                s.schedule().pickCeiling(),
                s.schedule().recover(),
                s.normPenalty(),
                s.finetuneIterations(),
                s.lrFinetune(),
                s.batchSize(),
                s.weightDecay(),
                s.finetuneIterations(),
                s.greg1StepsBeforePrune(),
                s.lrPrune());
    }

    static String section(Section sec, Table1Settings s) {
        StringBuilder sb = new StringBuilder();
        BaseSummary b = sec.base();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "### %s, %s (seeds %s; test split %,d images; training %s, the sum over"
                                + " bases and runs as they ran)%n%n",
                        sec.data(),
                        sec.model(),
                        sec.seeds().stream().map(String::valueOf).collect(Collectors.joining(", ")),
                        sec.testImages(),
                        Progress.Table.clock(Math.round(sec.computeSeconds()))));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Base: validation %s %%, test %s %%; %s epochs (%s steps%s); %,d params, %,d"
                                + " FLOPs.%n%n",
                        pct(b.validation()),
                        pct(b.test()),
                        num(b.epochs(), 1),
                        num(b.steps(), 0),
                        b.hitMaxEpochs() > 0
                                ? ", " + b.hitMaxEpochs() + " stopped at the epoch cap"
                                : "",
                        b.params(),
                        b.flops()));
        sb.append(
                "| r | method | steps before prune + fine-tune | top-1 % | vs one-shot L1 (a) |"
                        + " vs one-shot L1 (b) | vs λ = 0 control | vs the method's default |"
                        + " kept/pruned magnitude at the prune step, per layer (geometric mean over"
                        + " seeds) | lowest over layers and seeds | time per run |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : sec.rows()) {
            String label = row.label();
            if (!row.samePrunedSetAsL1() && !row.variant().startsWith("greg2")) {
                label += " (other pruned set!)";
            }
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %,d + %,d | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                            row.ratio(),
                            label,
                            row.stepsBeforePrune(),
                            row.finetuneSteps(),
                            pct(row.accuracy()),
                            diff(row.vsOneShot()),
                            diff(row.vsOneShotEqualSteps()),
                            diff(row.vsLambda0()),
                            diff(row.vsParent()),
                            layers(row.magnitudeRatios()),
                            ratio(row.minMagnitudeRatio().min()),
                            minutes(row.seconds())));
        }
        sb.append('\n');
        sb.append(
                "| r | params | FLOPs | FLOPs speed-up | measured inference speed-up | conv widths"
                        + " |\n|---|---|---|---|---|---|\n");
        for (Counts c : sec.counts()) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %,d | %,d | %.2f× | %s | %s |%n",
                            c.ratio(),
                            c.params(),
                            c.flops(),
                            c.flopsSpeedup(),
                            c.measuredSpeedup().n() == 0
                                    ? "—"
                                    : String.format(
                                            Locale.ROOT, "%.2f×", c.measuredSpeedup().mean()),
                            c.widths().values().stream()
                                    .map(String::valueOf)
                                    .collect(Collectors.joining("/"))));
        }
        return sb.toString();
    }

    static String pct(Stat s) {
        if (s.n() == 0) {
            return "—";
        }
        if (s.n() < 2) {
            return String.format(Locale.ROOT, "%.2f (n = 1)", 100 * s.mean());
        }
        return String.format(Locale.ROOT, "%.2f ± %.2f", 100 * s.mean(), 100 * s.sd());
    }

    private static String num(Stat s, int decimals) {
        String f = "%." + decimals + "f";
        if (s.n() < 2) {
            return String.format(Locale.ROOT, f, s.mean());
        }
        return String.format(Locale.ROOT, f + " ± " + f, s.mean(), s.sd());
    }

    static String diff(Difference d) {
        if (d == null || d.difference().n() == 0) {
            return "—";
        }
        Stat s = d.difference();
        String v =
                s.n() < 2
                        ? String.format(Locale.ROOT, "%+.2f", 100 * s.mean())
                        : String.format(Locale.ROOT, "%+.2f ± %.2f", 100 * s.mean(), 100 * s.sd());
        return switch (d.call()) {
            case GAIN -> "**" + v + "**";
            case LOSS -> "*" + v + "*";
            default -> v;
        };
    }

    private static String layers(Map<String, RatioStat> m) {
        if (m.isEmpty()) {
            return "—";
        }
        if (m.size() <= 4) {
            return m.entrySet().stream()
                    .map(e -> e.getKey() + " " + ratio(e.getValue().geometricMean()))
                    .collect(Collectors.joining(", "));
        }
        List<Double> v =
                m.values().stream()
                        .map(RatioStat::geometricMean)
                        .filter(Objects::nonNull)
                        .sorted()
                        .toList();
        return String.format(
                Locale.ROOT,
                "%d layers: min %s, median %s, max %s",
                v.size(),
                ratio(v.get(0)),
                ratio(v.get(v.size() / 2)),
                ratio(v.get(v.size() - 1)));
    }

    /** A magnitude ratio to 3 significant digits (powers of ten from a million on). */
    static String ratio(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        if (v >= 1e6) {
            int exp = (int) Math.floor(Math.log10(v));
            return String.format(Locale.ROOT, "%.1f·10^%d", v / Math.pow(10, exp), exp);
        }
        if (v >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, v >= 10 ? "%.1f" : "%.2f", v);
    }

    private static String minutes(Stat s) {
        return String.format(Locale.ROOT, "%.1f min", s.mean() / 60);
    }
}
