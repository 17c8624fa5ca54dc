package io.prunestream.apps.experiment;

import io.prunestream.apps.experiment.Table1Report.BaseSummary;
import io.prunestream.apps.experiment.Table1Report.Counts;
import io.prunestream.apps.experiment.Table1Report.Difference;
import io.prunestream.apps.experiment.Table1Report.RatioStat;
import io.prunestream.apps.experiment.Table1Report.Row;
import io.prunestream.apps.experiment.Table1Report.Section;
import io.prunestream.apps.experiment.Table1Report.Stat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/** Writes Table 1 as markdown: the protocol, then per data set the base, the runs and the sizes. */
public final class Table1Markdown {
    private Table1Markdown() {}

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
