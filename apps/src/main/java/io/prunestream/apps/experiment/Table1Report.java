package io.prunestream.apps.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Aggregates finished runs over seeds (mean and sample standard deviation); {@link Table1Markdown}
 * writes the table.
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
}
