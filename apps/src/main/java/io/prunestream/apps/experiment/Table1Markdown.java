package io.prunestream.apps.experiment;

import io.prunestream.apps.experiment.Table1Report.BaseSummary;
import io.prunestream.apps.experiment.Table1Report.Counts;
import io.prunestream.apps.experiment.Table1Report.Difference;
import io.prunestream.apps.experiment.Table1Report.RatioStat;
import io.prunestream.apps.experiment.Table1Report.Row;
import io.prunestream.apps.experiment.Table1Report.Section;
import io.prunestream.apps.experiment.Table1Report.Stat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Writes Table 1 as markdown: per data set the base, the converged arm (the primary comparison),
 * the fixed budgets, the sizes, what the intervals say, and which builds and commands made it. The
 * README's block is {@link #report} of the committed results, so it holds nothing that is not in
 * those files.
 */
public final class Table1Markdown {
    private Table1Markdown() {}

    /** The README's Table-1 block: every table under a results folder. */
    public static String report(List<Section> sections) {
        StringBuilder sb = new StringBuilder();
        for (Section sec : sections) {
            sb.append(section(sec)).append('\n');
        }
        return sb.toString().strip() + "\n";
    }

    /** One run of the command: its command line, runtime, protocol, then its tables. */
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
            sb.append(section(sec)).append('\n');
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
                        + " otherwise; groups `%s`. Converged arm: fine-tune in stages %s, each"
                        + " until the base's plateau rule ends it (evaluated every %s), at most %d"
                        + " epochs. Fixed budgets: (a) %d fine-tune steps from the prune step on,"
                        + " lr %s; (b) one-shot L1 with the GReg method's steps before pruning as"
                        + " extra fine-tuning at lr %s on the very batches it regularises on (GReg-1:"
                        + " %d, GReg-2: %d). Batch %d, SGD-Nesterov %s, weight decay %s. Top-1 on"
                        + " the test split after the last step (no selection on test). Differences"
                        + " are paired by seed, with a 95 %% t interval (n - 1 degrees of freedom);"
                        + " bold: the interval lies above 0, italic: below.%n",
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
                s.groups(),
                s.convergedLr().stream().map(String::valueOf).collect(Collectors.joining(" → ")),
                s.convergedEvalEvery() > 0 ? s.convergedEvalEvery() + " steps" : "epoch",
                s.baseMaxEpochs(),
                s.finetuneIterations(),
                s.lrFinetune(),
                s.lrPrune(),
                s.greg1StepsBeforePrune(),
                s.stepsBeforePrune(io.prunestream.core.schedule.PruningMethod.GREG2),
                s.batchSize(),
                s.momentum(),
                s.weightDecay());
    }

    static String section(Section sec) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "#### %s, %s (seed%s %s%s)%s%n%n",
                        sec.data(),
                        sec.model(),
                        sec.seeds().size() == 1 ? "" : "s",
                        sec.seeds().stream().map(String::valueOf).collect(Collectors.joining(", ")),
                        sec.testImages() > 0
                                ? String.format(
                                        Locale.ROOT, "; test split %,d images", sec.testImages())
                                : "",
                        sec.partial()
                                ? String.format(
                                        Locale.ROOT,
                                        " — **partial: %d of %d planned runs done**",
                                        sec.plannedRuns() - sec.missing().size(),
                                        sec.plannedRuns())
                                : ""));
        BaseSummary b = sec.base();
        if (b != null) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "Base (one per seed, trained to a plateau): validation %s %%, test %s"
                                    + " %%; %s epochs (%s steps%s); %,d params, %,d FLOPs; %s"
                                    + " per base.%n%n",
                            pct(b.validation()),
                            pct(b.test()),
                            num(b.epochs(), 1),
                            num(b.steps(), 0),
                            b.hitMaxEpochs() > 0
                                    ? ", " + b.hitMaxEpochs() + " stopped at the epoch cap"
                                    : "",
                            b.params(),
                            b.flops(),
                            minutes(b.seconds())));
        }
        List<Row> converged = sec.rows().stream().filter(Row::converged).toList();
        List<Row> fixed = sec.rows().stream().filter(r -> !r.converged()).toList();
        if (!converged.isEmpty()) {
            sb.append(convergedTable(sec, converged)).append('\n');
        }
        if (!fixed.isEmpty()) {
            sb.append(fixedTable(sec, fixed)).append('\n');
        }
        if (!sec.counts().isEmpty()) {
            sb.append(counts(sec)).append('\n');
        }
        String said = findings(sec.rows());
        if (!said.isEmpty()) {
            sb.append("What the intervals say:\n\n").append(said).append('\n');
        }
        sb.append(made(sec));
        return sb.toString();
    }

    private static String convergedTable(Section sec, List<Row> rows) {
        CellResult longest =
                sec.cells().stream()
                        .filter(c -> !c.finetuneLr().isEmpty())
                        .max(
                                (a, c) ->
                                        Integer.compare(
                                                a.finetuneLr().size(), c.finetuneLr().size()))
                        .orElseThrow();
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "**Converged arm (the primary comparison)**: every method fine-tunes in"
                                + " learning-rate stages %s, each until the validation accuracy"
                                + " plateaus by the base's rule (evaluated every %,d steps), within"
                                + " the base's epoch cap.%n%n",
                        longest.finetuneLr().stream()
                                .map(String::valueOf)
                                .collect(Collectors.joining(" → ")),
                        longest.evalEvery()));
        sb.append(
                "| r | method | steps before prune | fine-tune steps to the plateau (mean ± sd,"
                        + " min–max) | top-1 % | − one-shot L1 (95 % CI) | detectable with 80 %"
                        + " power | − λ = 0 control (95 % CI) | removed filters shared with L1,"
                        + " per layer | time per run (steps/s) | seeds |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %,d | %s%s%s | %s | %s | %s | %s | %s | %s | %s |%n",
                            row.ratio(),
                            row.label(),
                            row.stepsBeforePrune(),
                            num(row.finetuneSteps(), 0),
                            row.finetuneSteps().n() < 2
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            " (%,d–%,d)",
                                            row.minFinetuneSteps(),
                                            row.maxFinetuneSteps()),
                            row.hitCap() > 0 ? ", " + row.hitCap() + " at the cap" : "",
                            pct(row.accuracy()),
                            diff(row.vsOneShot()),
                            detectable(row.vsOneShot()),
                            diff(row.vsLambda0()),
                            overlap(row),
                            time(row),
                            seeds(row)));
        }
        return sb.toString();
    }

    private static String fixedTable(Section sec, List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        Map<String, Long> matched = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.variant().startsWith("oneshot-l1-equal-steps")) {
                matched.putIfAbsent(
                        r.label(), r.finetuneSteps().n() == 0 ? 0 : r.maxFinetuneSteps());
            }
        }
        sb.append(
                "**Fixed budgets (secondary)**: (a) every method fine-tunes the same steps after"
                        + " pruning (the paper's protocol); (b) one-shot L1 also gets the GReg"
                        + " method's steps before pruning as fine-tuning, on the same batches at"
                        + " the same rate (each GReg row is compared with the (b) row of its own"
                        + " method");
        matched.forEach(
                (label, steps) ->
                        sb.append(String.format(Locale.ROOT, "; %s: %,d steps", label, steps)));
        sb.append(").\n\n");
        sb.append(
                "| r | method | steps before prune + fine-tune | top-1 % | − one-shot L1 (a) (95 %"
                        + " CI) | − one-shot L1 (b) (95 % CI) | − λ = 0 control (95 % CI) | − the"
                        + " method's default (95 % CI) | removed filters shared with L1, per"
                        + " layer | kept/pruned magnitude at the prune step, per layer (geometric"
                        + " mean over seeds) | lowest over layers and seeds | time per run"
                        + " (steps/s) | seeds |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %,d + %,d | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                                    + " %s |%n",
                            row.ratio(),
                            row.label(),
                            row.stepsBeforePrune(),
                            Math.round(row.finetuneSteps().mean()),
                            pct(row.accuracy()),
                            diff(row.vsOneShot()),
                            diff(row.vsEqualSteps()),
                            diff(row.vsLambda0()),
                            diff(row.vsParent()),
                            overlap(row),
                            layers(row.magnitudeRatios()),
                            ratio(row.minMagnitudeRatio().min()),
                            time(row),
                            seeds(row)));
        }
        return sb.toString();
    }

    private static String counts(Section sec) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                "| r | params | FLOPs | FLOPs speed-up | measured inference speed-up | widths"
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

    /**
     * One line per comparison the table is about (GReg against one-shot L1 in the converged arm and
     * at equal total steps), worded by its interval.
     */
    static String findings(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        int intervals = 0;
        int excludingZero = 0;
        for (Row row : rows) {
            boolean greg = row.variant().startsWith("greg") && !row.variant().contains("lambda0");
            if (!greg || row.parent() != null || row.variant().contains("strong")) {
                continue;
            }
            Difference d = null;
            String line = null;
            if (row.converged() && row.vsOneShot() != null) {
                d = row.vsOneShot();
                line =
                        String.format(
                                Locale.ROOT,
                                "- r = %s, converged: %s − one-shot L1 = %s",
                                row.ratio(),
                                row.label(),
                                verdict(d));
                // a gain or loss at convergence may be the extra steps before pruning alone
                if (excludesZero(d) && row.vsLambda0() != null) {
                    line +=
                            "; against the λ = 0 control (GReg-1's timeline without the"
                                    + " penalty): "
                                    + brief(row.vsLambda0());
                }
            }
            if (!row.converged() && row.vsEqualSteps() != null) {
                d = row.vsEqualSteps();
                line =
                        String.format(
                                Locale.ROOT,
                                "- r = %s, equal total steps (b): %s − one-shot L1 = %s",
                                row.ratio(),
                                row.label(),
                                verdict(d));
            }
            if (line == null) {
                continue;
            }
            sb.append(line).append(".\n");
            if (d.interval() != null) {
                intervals++;
                excludingZero += excludesZero(d) ? 1 : 0;
            }
        }
        if (intervals > 1) {
            // each interval misses the truth 5 % of the time: say what chance alone gives
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "- %d of these %d intervals exclude%s 0; if no method differed from"
                                    + " one-shot L1, chance alone would make %.1f of %d exclude 0"
                                    + " on average (95 %% intervals, not corrected for multiple"
                                    + " comparisons).%n",
                            excludingZero,
                            intervals,
                            excludingZero == 1 ? "s" : "",
                            0.05 * intervals,
                            intervals));
        }
        return sb.toString();
    }

    private static boolean excludesZero(Difference d) {
        return d.call() == Table1Report.Call.GAIN || d.call() == Table1Report.Call.LOSS;
    }

    /** A difference as its mean and interval, without the verdict's words. */
    static String brief(Difference d) {
        String mean = points(d.difference());
        return d.interval() == null
                ? mean + " (no interval)"
                : mean + " (95 % CI " + interval(d) + ")";
    }

    private static String points(Stat difference) {
        return String.format(Locale.ROOT, "%+.2f points", 100 * difference.mean());
    }

    /** A difference in words that follow its interval. */
    static String verdict(Difference d) {
        Stat s = d.difference();
        String mean = points(s);
        if (d.call() == Table1Report.Call.NO_INTERVAL) {
            return mean
                    + (s.n() < 2
                            ? " (one seed: no interval)"
                            : " (n = " + s.n() + ", every seed the same difference: no interval)");
        }
        String ci = interval(d);
        return switch (d.call()) {
            case GAIN -> "a gain of " + mean + " (95 % CI " + ci + ")";
            case LOSS -> "a loss of " + mean + " (95 % CI " + ci + ")";
            default ->
                    String.format(
                            Locale.ROOT,
                            "%s, no detectable gain (95 %% CI %s; with n = %d this comparison"
                                    + " detects ±%.2f points with 80 %% power)",
                            mean,
                            ci,
                            s.n(),
                            100 * d.detectable());
        };
    }

    private static String interval(Difference d) {
        return String.format(
                Locale.ROOT, "%+.2f … %+.2f", 100 * d.interval().low(), 100 * d.interval().high());
    }

    private static String made(Section sec) {
        StringBuilder sb = new StringBuilder();
        double runs = sec.cells().stream().mapToDouble(CellResult::seconds).sum();
        double bases = sec.bases().stream().mapToDouble(ConvergedBase.Info::seconds).sum();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Training time %s, the sum over %d base%s (%s) and %d run%s (%s) as"
                                + " they ran.%n",
                        Progress.Table.clock(Math.round(runs + bases)),
                        sec.bases().size(),
                        sec.bases().size() == 1 ? "" : "s",
                        Progress.Table.clock(Math.round(bases)),
                        sec.cells().size(),
                        sec.cells().size() == 1 ? "" : "s",
                        Progress.Table.clock(Math.round(runs))));
        if (sec.partial()) {
            Map<String, TreeSet<String>> by = new LinkedHashMap<>();
            for (String m : sec.missing()) {
                String seed = m.substring(4, m.indexOf('-'));
                by.computeIfAbsent(m.substring(m.indexOf('-') + 1), k -> new TreeSet<>()).add(seed);
            }
            sb.append("Planned, no result yet: ");
            sb.append(
                    by.entrySet().stream()
                            .map(
                                    e ->
                                            e.getKey()
                                                    + " (seeds "
                                                    + String.join(", ", e.getValue())
                                                    + ")")
                            .collect(Collectors.joining("; ")));
            sb.append(".\n");
        }
        sb.append("Made by:\n");
        for (Table1Results.Provenance p : sec.provenance()) {
            String rev = p.revision() == null ? "unknown" : p.revision();
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "- `%s`: `%s`%n",
                            rev.length() > 12 && !rev.startsWith("unknown")
                                    ? rev.substring(0, 12)
                                            + (rev.endsWith("-dirty") ? "-dirty" : "")
                                    : rev,
                            p.command()));
        }
        return sb.toString();
    }

    private static String overlap(Row row) {
        if (row.variant().startsWith("oneshot-l1") || row.overlapWithL1().isEmpty()) {
            return "—";
        }
        if (row.samePrunedSetAsL1() && !row.variant().startsWith("greg2")) {
            return "all (L1's set)"; // by construction; GReg-2's own pick is shown as measured
        }
        Map<String, Stat> m = row.overlapWithL1();
        if (m.size() <= 4) {
            return m.entrySet().stream()
                    .map(
                            e ->
                                    String.format(
                                            Locale.ROOT,
                                            "%s %.0f %%",
                                            e.getKey(),
                                            100 * e.getValue().mean()))
                    .collect(Collectors.joining(", "));
        }
        List<Double> v =
                m.values().stream().map(Stat::mean).filter(Objects::nonNull).sorted().toList();
        return String.format(
                Locale.ROOT,
                "%d layers: min %.0f %%, median %.0f %%, max %.0f %%",
                v.size(),
                100 * v.get(0),
                100 * v.get(v.size() / 2),
                100 * v.get(v.size() - 1));
    }

    private static String seeds(Row row) {
        int n = row.accuracy().n();
        return n < row.plannedSeeds()
                ? String.format(Locale.ROOT, "%d of %d (partial)", n, row.plannedSeeds())
                : String.valueOf(n);
    }

    private static String time(Row row) {
        return String.format(
                Locale.ROOT,
                "%.1f min (%.0f/s)",
                row.seconds().mean() / 60,
                row.stepsPerSecond().mean());
    }

    static String pct(Stat s) {
        if (s.n() == 0) {
            return "—";
        }
        if (s.n() < 2) {
            // the seeds column and the section's title say it is one seed
            return String.format(Locale.ROOT, "%.2f", 100 * s.mean());
        }
        return String.format(Locale.ROOT, "%.2f ± %.2f", 100 * s.mean(), 100 * s.sd());
    }

    private static String num(Stat s, int decimals) {
        String f = "%,." + decimals + "f";
        if (s.n() < 2) {
            return String.format(Locale.ROOT, f, s.mean());
        }
        return String.format(Locale.ROOT, f + " ± " + f, s.mean(), s.sd());
    }

    /** mean [low, high] in points; bold when the interval lies above 0, italic below. */
    static String diff(Difference d) {
        if (d == null || d.difference().n() == 0) {
            return "—";
        }
        Stat s = d.difference();
        if (d.interval() == null) {
            return String.format(
                    Locale.ROOT,
                    s.n() < 2 ? "%+.2f (n = %d)" : "%+.2f (n = %d, no spread)",
                    100 * s.mean(),
                    s.n());
        }
        String v =
                String.format(
                        Locale.ROOT,
                        "%+.2f [%+.2f, %+.2f]",
                        100 * s.mean(),
                        100 * d.interval().low(),
                        100 * d.interval().high());
        return switch (d.call()) {
            case GAIN -> "**" + v + "**";
            case LOSS -> "*" + v + "*";
            default -> v;
        };
    }

    private static String detectable(Difference d) {
        if (d == null || Double.isNaN(d.detectable())) {
            return "—";
        }
        return String.format(Locale.ROOT, "±%.2f", 100 * d.detectable());
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
