package io.prunestream.apps.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * Aggregates finished runs over seeds (mean and sample standard deviation) from the runs alone;
 * {@link Table1Markdown} writes the table.
 *
 * <p>Differences: per seed the two runs share the base and the batches, so a difference is taken
 * per seed, and its 95 % confidence interval is the paired t interval (n - 1 degrees of freedom).
 * It is called a gain (or a loss) only when that interval excludes 0. With one seed there is no
 * interval and nothing is called.
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

    /** What the interval of a difference says. */
    public enum Call {
        /** The 95 % interval lies above 0. */
        GAIN,
        /** The 95 % interval lies below 0. */
        LOSS,
        /** The 95 % interval contains 0: no detectable difference. */
        NOT_DETECTED,
        /** One seed, or seeds whose differences are all equal: no interval. */
        NO_INTERVAL
    }

    /**
     * A paired difference (a - b, per seed).
     *
     * @param difference mean and standard deviation of the per-seed differences
     * @param interval the 95 % paired t interval of the mean difference (null for one seed)
     * @param detectable the smallest true difference this n detects with 80 % power, taking the
     *     observed standard deviation of the differences as the true one (NaN for one seed)
     */
    public record Difference(
            Stat difference, PairedStats.Interval interval, double detectable, Call call) {

        static Difference of(Map<Long, Double> a, Map<Long, Double> b) {
            List<Double> d = new ArrayList<>();
            for (Map.Entry<Long, Double> e : a.entrySet()) {
                Double other = b.get(e.getKey());
                if (other != null) {
                    d.add(e.getValue() - other);
                }
            }
            Stat st = Stat.of(d);
            if (st.n() < 2 || st.sd() < 1e-9) {
                // identical differences (test accuracy moves in steps of 0.01 point): the t
                // interval would have zero width and mean nothing
                return new Difference(st, null, Double.NaN, Call.NO_INTERVAL);
            }
            PairedStats.Interval ci = PairedStats.interval(st.mean(), st.sd(), st.n());
            Call call = ci.low() > 0 ? Call.GAIN : ci.high() < 0 ? Call.LOSS : Call.NOT_DETECTED;
            return new Difference(st, ci, PairedStats.detectable(st.sd(), st.n()), call);
        }
    }

    /**
     * One table row: a variant at a ratio, over seeds.
     *
     * @param plannedSeeds seeds the plan asks for (more than {@code accuracy.n()}: partial)
     * @param finetuneSteps fine-tune steps over seeds (they differ in the converged arm)
     * @param overlapWithL1 per pruned layer, the share of removed filters L1 removes too
     */
    public record Row(
            double ratio,
            String variant,
            String label,
            boolean converged,
            String normPenalty,
            long stepsBeforePrune,
            Stat finetuneSteps,
            long minFinetuneSteps,
            long maxFinetuneSteps,
            int hitCap,
            Stat accuracy,
            Map<Long, Double> accuracyBySeed,
            int plannedSeeds,
            Difference vsOneShot,
            Difference vsEqualSteps,
            String equalStepsLabel,
            Difference vsLambda0,
            String parent,
            Difference vsParent,
            Map<String, RatioStat> magnitudeRatios,
            RatioStat minMagnitudeRatio,
            Map<String, Stat> overlapWithL1,
            boolean samePrunedSetAsL1,
            Stat seconds,
            Stat stepsPerSecond) {}

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

    /**
     * One data set's table.
     *
     * @param name the folder name, {@code <data>-<model>}
     * @param missing runs the plan asks for that have no result yet
     * @param provenance every distinct (revision, command) that made a base or a run here
     */
    public record Section(
            String name,
            String data,
            String model,
            int testImages,
            List<Long> seeds,
            BaseSummary base,
            List<Row> rows,
            List<Counts> counts,
            List<ConvergedBase.Info> bases,
            List<CellResult> cells,
            List<String> missing,
            int plannedRuns,
            List<Table1Results.Provenance> provenance,
            double seconds,
            double computeSeconds) {

        public boolean partial() {
            return !missing.isEmpty();
        }
    }

    /** The table of one folder of results. */
    static Section section(Table1Results.Loaded l) {
        return section(l.name(), l.bases(), l.cells(), l.plan(), Double.NaN);
    }

    static Section section(
            String name,
            List<ConvergedBase.Info> bases,
            List<CellResult> cells,
            Table1Results.Plan plan,
            double seconds) {
        BaseSummary base =
                bases.isEmpty()
                        ? null
                        : new BaseSummary(
                                stat(bases, ConvergedBase.Info::validationAccuracy),
                                stat(bases, ConvergedBase.Info::testAccuracy),
                                stat(bases, ConvergedBase.Info::epochs),
                                stat(bases, b -> b.steps()),
                                (int)
                                        bases.stream()
                                                .filter(ConvergedBase.Info::hitMaxEpochs)
                                                .count(),
                                bases.get(0).params(),
                                bases.get(0).flops(),
                                stat(bases, ConvergedBase.Info::seconds));
        Set<String> done = new LinkedHashSet<>();
        cells.forEach(c -> done.add(Table1Results.runName(c.seed(), c.ratio(), c.variant())));
        List<String> missing = plan.runs().stream().filter(r -> !done.contains(r)).toList();
        TreeSet<Double> ratios = new TreeSet<>();
        cells.forEach(c -> ratios.add(c.ratio()));
        List<Row> rows = new ArrayList<>();
        List<Counts> counts = new ArrayList<>();
        for (double r : ratios) {
            for (Variant v : Variant.values()) {
                List<CellResult> c = cells(cells, r, v);
                if (c.isEmpty()) {
                    continue;
                }
                rows.add(row(cells, plan, r, v, c));
            }
            List<CellResult> atR = cells.stream().filter(x -> x.ratio() == r).toList();
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
        Set<Table1Results.Provenance> made = new LinkedHashSet<>();
        bases.forEach(b -> made.add(new Table1Results.Provenance(b.revision(), b.command())));
        cells.forEach(c -> made.add(new Table1Results.Provenance(c.revision(), c.command())));
        TreeSet<Long> seeds = new TreeSet<>(plan.seeds());
        cells.forEach(c -> seeds.add(c.seed()));
        bases.forEach(b -> seeds.add(b.seed()));
        double compute =
                bases.stream().mapToDouble(ConvergedBase.Info::seconds).sum()
                        + cells.stream().mapToDouble(CellResult::seconds).sum();
        CellResult first = cells.isEmpty() ? null : cells.get(0);
        return new Section(
                name,
                first != null ? first.data() : bases.isEmpty() ? name : bases.get(0).data(),
                first != null ? first.model() : bases.isEmpty() ? "" : bases.get(0).model(),
                first != null ? first.testImages() : 0,
                new ArrayList<>(seeds),
                base,
                rows,
                counts,
                bases,
                cells,
                missing,
                plan.runs().size(),
                new ArrayList<>(made),
                seconds,
                compute);
    }

    private static Row row(
            List<CellResult> cells,
            Table1Results.Plan plan,
            double r,
            Variant v,
            List<CellResult> c) {
        Map<Long, Double> acc = bySeed(cells, r, v);
        int planned =
                (int)
                        plan.seeds().stream()
                                .filter(s -> plan.runs().contains(Table1Results.runName(s, r, v)))
                                .count();
        Variant eq = v.equalSteps();
        return new Row(
                r,
                v.id(),
                v.label(),
                v.converged(),
                c.get(0).normPenalty(),
                c.get(0).stepsBeforePrune(),
                stat(c, x -> x.finetuneSteps()),
                c.stream().mapToLong(CellResult::finetuneSteps).min().orElseThrow(),
                c.stream().mapToLong(CellResult::finetuneSteps).max().orElseThrow(),
                (int) c.stream().filter(CellResult::hitCap).count(),
                Stat.of(new ArrayList<>(acc.values())),
                acc,
                Math.max(planned, acc.size()),
                compare(cells, r, acc, v.oneShot()),
                compare(cells, r, acc, eq),
                eq == null ? null : eq.label(),
                compare(cells, r, acc, v.lambda0()),
                v.parent() == null ? null : v.parent().id(),
                compare(cells, r, acc, v.parent()),
                layerRatios(c),
                RatioStat.of(c.stream().map(CellResult::minMagnitudeRatio).toList()),
                overlaps(c),
                c.stream().allMatch(CellResult::samePrunedSetAsL1),
                stat(c, CellResult::seconds),
                stat(c, CellResult::stepsPerSecond));
    }

    private static Difference compare(
            List<CellResult> cells, double r, Map<Long, Double> acc, Variant other) {
        if (other == null) {
            return null;
        }
        Map<Long, Double> b = bySeed(cells, r, other);
        return b.isEmpty() ? null : Difference.of(acc, b);
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

    private static Map<String, Stat> overlaps(List<CellResult> c) {
        Map<String, List<Double>> by = new LinkedHashMap<>();
        for (CellResult x : c) {
            if (x.overlapWithL1() != null) {
                x.overlapWithL1()
                        .forEach((k, v) -> by.computeIfAbsent(k, q -> new ArrayList<>()).add(v));
            }
        }
        Map<String, Stat> out = new LinkedHashMap<>();
        by.forEach((k, v) -> out.put(k, Stat.of(v)));
        return out;
    }
}
