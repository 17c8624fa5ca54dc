package io.prunestream.monitoring.report;

import io.prunestream.core.run.CycleStatus;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.store.PruningReport;
import io.prunestream.core.train.LayerStats;
import io.prunestream.monitoring.report.DownsampledSeries.Mode;
import io.prunestream.monitoring.report.ReportCharts.Line;
import java.awt.Color;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A picture of one run for people: feed it the run's {@link TrainingEvent}s, then {@link #write} a
 * folder with {@code index.html} and PNG charts (XChart) at the end of the run and for each model
 * version. The page works offline: no scripts, no CDN, images beside it.
 *
 * <pre>{@code
 * RunReport report = new RunReport("resnet56-greg1");
 * report.add(event);                                   // every step
 * report.write(versionDir.resolve("report"), baseWidths, widths,
 *         Map.of("base accuracy", 0.9321, "pruned accuracy", 0.9287, "speed-up", 2.55));
 * }</pre>
 *
 * <p>A continuous run's report also shows its cycles: the accuracy-vs-FLOPs front (one point per
 * cycle whose version was published, and the rolled-back cycles marked; fed with {@link
 * #add(ModelVersion)}), its prequential accuracy and budget floor beside the held-out accuracy, its
 * drift events on the accuracy chart, and every decision in a table. The steps that pruned are
 * marked on every chart.
 *
 * <p>Memory stays bounded on week-long runs: every series keeps at most {@code maxPoints} points
 * (default {@value #DEFAULT_MAX_POINTS}), see {@link DownsampledSeries} for the policy (buckets of
 * equal width, merged pairwise when full; loss averaged, state values last-of-bucket). The report
 * lives in the operator's memory, not in Flink state: after a restore it covers the steps seen
 * since. Events whose iteration is below the latest one (a replay) are counted and skipped.
 *
 * <p>Long because it renders a whole self-contained page (charts, tables, summary) from one run's
 * history; the series and charts it uses live in their own classes.
 */
public final class RunReport {

    /** Points kept per series unless told otherwise. */
    public static final int DEFAULT_MAX_POINTS = 2000;

    /** Kept/pruned magnitude ratio GReg aims at before pruning; drawn as a reference line. */
    public static final double TARGET_RATIO = 1000;

    static final String LAMBDA_PNG = "lambda.png";
    static final String RATIO_PNG = "magnitude-ratio.png";
    static final String LOSS_PNG = "loss-accuracy.png";
    static final String WIDTHS_PNG = "widths.png";
    static final String FRONT_PNG = "front.png";

    /** Decisions and prune steps kept for the page (the newest). */
    static final int MAX_MARKS = 500;

    private final String runId;
    private final int maxPoints;
    private final DownsampledSeries loss;
    private final DownsampledSeries accuracy;
    private final DownsampledSeries prequential;
    private final List<Long> pruneSteps = new ArrayList<>();
    private final List<Decision> decisions = new ArrayList<>();
    private final Map<Integer, FrontPoint> kept = new TreeMap<>();
    private final Map<Integer, FrontPoint> rolledBack = new TreeMap<>();
    private double floor = Double.NaN;
    private long baseFlops = -1;
    private final DownsampledSeries lambdaPruned;
    private final DownsampledSeries lambdaKept;
    private final Map<String, LayerHistory> layers = new LinkedHashMap<>();
    private final Map<Phase, Long> phaseStarts = new EnumMap<>(Phase.class);
    private List<String> currentLayers = List.of();
    private String method;
    private long events;
    private long replayed;
    private long firstIteration = -1;
    private long lastIteration = -1;
    private long firstParams = -1;
    private long lastParams = -1;
    private long firstFlops = -1;
    private long lastFlops = -1;
    private Phase lastPhase;

    public RunReport(String runId) {
        this(runId, DEFAULT_MAX_POINTS);
    }

    /**
     * @param maxPoints points kept per series; an even number of at least 4
     */
    public RunReport(String runId, int maxPoints) {
        if (runId == null || runId.isBlank()) {
            throw new IllegalArgumentException("runId is empty; name the run this report is for");
        }
        this.runId = runId;
        this.maxPoints = maxPoints;
        this.loss = new DownsampledSeries(Mode.MEAN, maxPoints);
        this.accuracy = new DownsampledSeries(Mode.LAST, maxPoints);
        this.prequential = new DownsampledSeries(Mode.LAST, maxPoints);
        this.lambdaPruned = new DownsampledSeries(Mode.LAST, maxPoints);
        this.lambdaKept = new DownsampledSeries(Mode.LAST, maxPoints);
    }

    public String runId() {
        return runId;
    }

    /** Events accepted so far. */
    public synchronized long events() {
        return events;
    }

    /**
     * Adds one training step of this run.
     *
     * @throws IllegalArgumentException if the event belongs to another run (a wiring bug)
     */
    public synchronized void add(TrainingEvent e) {
        Objects.requireNonNull(e, "event");
        if (!runId.equals(e.runId())) {
            throw new IllegalArgumentException(
                    "event of run '"
                            + e.runId()
                            + "' given to the report of run '"
                            + runId
                            + "'; keep one RunReport per run");
        }
        if (e.iteration() < lastIteration) {
            replayed++;
            return;
        }
        events++;
        double x = e.iteration();
        if (firstIteration < 0) {
            firstIteration = e.iteration();
            firstParams = e.params();
            firstFlops = e.flops();
        }
        lastIteration = e.iteration();
        lastParams = e.params();
        lastFlops = e.flops();
        method = e.method();
        if (e.phase() != null) {
            phaseStarts.putIfAbsent(e.phase(), e.iteration());
            lastPhase = e.phase();
        }
        loss.add(x, e.loss());
        if (e.evalAccuracy() != null) {
            accuracy.add(x, e.evalAccuracy());
        }
        if (e.prequentialAccuracy() != null) {
            prequential.add(x, e.prequentialAccuracy());
        }
        if (e.phase() == Phase.PRUNE) {
            keep(pruneSteps, e.iteration());
        }
        if (e.cycles() != null) {
            if (!Double.isNaN(e.cycles().floor())) {
                floor = e.cycles().floor();
            }
            for (CycleStatus.Decision d : e.cycles().decisions()) {
                keep(decisions, new Decision(e.iteration(), d.kind(), d.text()));
            }
        }
        lambdaPruned.add(x, e.lambdaPruned());
        lambdaKept.add(x, e.lambdaKept());

        List<LayerStats> stats = e.layers() == null ? List.of() : e.layers();
        if (!stats.isEmpty()) {
            List<String> labels = new ArrayList<>();
            for (LayerStats s : stats) {
                String label = s.label() == null ? "unnamed" : s.label();
                labels.add(label);
                layers.computeIfAbsent(label, l -> new LayerHistory(maxPoints)).stats(x, s);
            }
            currentLayers = List.copyOf(labels);
        }
        // λ applies to the layers of the pruning plan, also on steps without layer stats.
        for (String label : currentLayers) {
            LayerHistory h = layers.get(label);
            h.lambdaPruned.add(x, e.lambdaPruned());
            h.lambdaKept.add(x, e.lambdaKept());
        }
    }

    /**
     * Adds a published version: a continuous run's version puts its cycle on the front (the first
     * version of each cycle), and the cycle it rolled back from, marked.
     */
    public synchronized void add(ModelVersion v) {
        PruningReport.Lineage l = v.report().lineage();
        if (l == null) {
            return;
        }
        baseFlops = v.baseFlops();
        floor = l.floor();
        kept.putIfAbsent(l.cycle(), new FrontPoint(l.cycle(), l.flops(), l.params(), l.accuracy()));
        PruningReport.RolledBack b = l.rolledBackFrom();
        if (b != null) {
            rolledBack.putIfAbsent(
                    b.cycle(), new FrontPoint(b.cycle(), b.flops(), b.params(), b.accuracy()));
        }
    }

    private static <T> void keep(List<T> list, T value) {
        if (list.size() == MAX_MARKS) {
            list.remove(0);
        }
        list.add(value);
    }

    /**
     * Writes {@code index.html} and the charts into {@code dir} (created if needed).
     *
     * @param widthsBefore output channels per layer of the network the run started from; empty to
     *     use the first widths the events reported
     * @param widthsAfter output channels per layer now; empty to use the latest reported widths
     * @param summary values to show at the top, in map order (e.g. base and pruned accuracy,
     *     params, FLOPs, speed-up, method, model path)
     * @return the path of {@code index.html}
     */
    public synchronized Path write(
            Path dir,
            Map<String, Long> widthsBefore,
            Map<String, Long> widthsAfter,
            Map<String, Object> summary)
            throws IOException {
        Files.createDirectories(dir);
        List<Figure> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();

        XYChart front = frontChart();
        if (front != null) {
            ReportCharts.savePng(front, dir, FRONT_PNG);
            figures.add(
                    new Figure(
                            FRONT_PNG,
                            "Accuracy vs FLOPs: the cycles' front",
                            "Held-out accuracy when each cycle's version was published (circles,"
                                    + " joined in cycle order; 0 = the network after the warm-up)"
                                    + " against its FLOPs per sample; crosses: cycles that broke"
                                    + " the budget when judged and were rolled back; dashed: the"
                                    + " budget floor."));
        }

        XYChart lambda = lambdaChart();
        if (lambda != null) {
            ReportCharts.savePng(lambda, dir, LAMBDA_PNG);
            figures.add(
                    new Figure(
                            LAMBDA_PNG,
                            "Penalty factor λ per layer",
                            "λ on each layer's pruned groups (solid) and kept groups (dashed)"
                                    + " over iterations."));
        } else {
            notes.add("No training step recorded yet: no λ chart.");
        }

        XYChart ratio = ratioChart();
        if (ratio != null) {
            ReportCharts.savePng(ratio, dir, RATIO_PNG);
            figures.add(
                    new Figure(
                            RATIO_PNG,
                            "Kept / pruned magnitude ratio",
                            "Mean |w| of kept groups over mean |w| of pruned groups, log scale;"
                                    + " the dashed line is the ratio GReg aims at (1000). A"
                                    + " layer's line ends when it is physically pruned."));
        } else {
            notes.add(
                    "No finite kept/pruned magnitude ratio was reported (method without"
                            + " penalty, or no layer statistics yet).");
        }

        XYChart lossChart = lossChart();
        if (lossChart != null) {
            ReportCharts.savePng(lossChart, dir, LOSS_PNG);
            figures.add(
                    new Figure(
                            LOSS_PNG,
                            "Loss and evaluation accuracy",
                            "Training loss (left axis, bucket means) and held-out accuracy"
                                    + " (right axis, at each evaluation), with the prequential"
                                    + " accuracy and a continuous run's budget floor (dashed)"
                                    + " where there are; vertical lines: prune steps (grey),"
                                    + " drift noticed (red) and recovered from (green)."));
        } else {
            notes.add("No finite training loss was reported.");
        }

        Map<String, Long> before = widthsBefore.isEmpty() ? observedWidths(true) : widthsBefore;
        Map<String, Long> after = widthsAfter.isEmpty() ? observedWidths(false) : widthsAfter;
        Set<String> widthLayers = new LinkedHashSet<>(before.keySet());
        widthLayers.addAll(after.keySet());
        if (!widthLayers.isEmpty()) {
            ReportCharts.savePng(
                    ReportCharts.widths(List.copyOf(widthLayers), before, after), dir, WIDTHS_PNG);
            figures.add(
                    new Figure(
                            WIDTHS_PNG,
                            "Layer widths before and after",
                            "Output channels per pruned layer."));
        } else {
            notes.add("No layer widths known.");
        }

        String html = html(figures, notes, before, after, summary);
        Path index = dir.resolve("index.html");
        Path tmp = dir.resolve(".index.html.tmp");
        Files.writeString(tmp, html, StandardCharsets.UTF_8);
        Files.move(tmp, index, StandardCopyOption.REPLACE_EXISTING);
        return index;
    }

    private XYChart lambdaChart() {
        if (events == 0) {
            return null;
        }
        XYChart chart = ReportCharts.xy("Penalty factor λ", "iteration", "λ", false);
        chart.getStyler().setyAxisTickLabelsFormattingFunction(ReportCharts::twoDigits);
        if (layers.isEmpty()) {
            ReportCharts.add(chart, line("pruned groups", lambdaPruned, false));
            ReportCharts.add(chart, line("kept groups", lambdaKept, true));
        } else {
            for (Map.Entry<String, LayerHistory> l : layers.entrySet()) {
                if (!l.getValue().lambdaPruned.isEmpty()) {
                    ReportCharts.add(
                            chart, line(l.getKey() + " pruned", l.getValue().lambdaPruned, false));
                    ReportCharts.add(
                            chart, line(l.getKey() + " kept", l.getValue().lambdaKept, true));
                }
            }
        }
        if (chart.getSeriesMap().isEmpty()) {
            return null;
        }
        markPrunes(chart);
        ReportCharts.spreadXTicks(chart);
        return chart;
    }

    private XYChart ratioChart() {
        XYChart chart =
                ReportCharts.xy(
                        "Kept / pruned magnitude ratio", "iteration", "ratio (log scale)", true);
        double minX = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, LayerHistory> l : layers.entrySet()) {
            DownsampledSeries r = l.getValue().ratio;
            if (!r.isEmpty()) {
                Line line = line(l.getKey(), r, false);
                ReportCharts.add(chart, line);
                minX = Math.min(minX, line.x()[0]);
                maxX = Math.max(maxX, line.x()[line.x().length - 1]);
            }
        }
        if (chart.getSeriesMap().isEmpty()) {
            return null;
        }
        if (maxX == minX) {
            maxX = minX + 1;
        }
        ReportCharts.add(
                chart,
                new Line(
                        "target " + (long) TARGET_RATIO,
                        new double[] {minX, maxX},
                        new double[] {TARGET_RATIO, TARGET_RATIO},
                        true));
        chart.getSeriesMap().get("target " + (long) TARGET_RATIO).setLineColor(Color.GRAY);
        markPrunes(chart);
        ReportCharts.spreadXTicks(chart);
        return chart;
    }

    private XYChart lossChart() {
        if (loss.isEmpty()) {
            return null;
        }
        XYChart chart = ReportCharts.xy("Loss and evaluation accuracy", "iteration", "loss", false);
        ReportCharts.add(chart, line("training loss", loss, false));
        if (!accuracy.isEmpty()) {
            XYSeries acc = chart.addSeries("eval accuracy", accuracy.x(), accuracy.y());
            acc.setYAxisGroup(1);
            acc.setMarker(SeriesMarkers.CIRCLE);
            chart.setYAxisGroupTitle(1, "accuracy (0-1)");
            chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        }
        if (!prequential.isEmpty()) {
            XYSeries p = chart.addSeries("prequential", prequential.x(), prequential.y());
            p.setYAxisGroup(1);
            p.setMarker(SeriesMarkers.NONE);
            chart.setYAxisGroupTitle(1, "accuracy (0-1)");
            chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        }
        if (!Double.isNaN(floor) && (!accuracy.isEmpty() || !prequential.isEmpty())) {
            double[] x = loss.x();
            ReportCharts.add(
                    chart,
                    new Line(
                            "budget floor",
                            new double[] {x[0], Math.max(x[x.length - 1], x[0] + 1)},
                            new double[] {floor, floor},
                            true));
            chart.getSeriesMap().get("budget floor").setYAxisGroup(1);
            chart.getSeriesMap().get("budget floor").setLineColor(Color.GRAY);
        }
        markPrunes(chart);
        boolean[] named = new boolean[2];
        for (Decision d : decisions) {
            boolean drift = d.kind() == CycleStatus.Kind.DRIFT;
            if (drift || d.kind() == CycleStatus.Kind.DRIFT_RECOVERED) {
                // a vertical line on the accuracy axis, red where drift began, green where it ended
                String name = (drift ? "drift" : "recovered") + " @" + d.iteration();
                XYSeries v =
                        chart.addSeries(
                                name,
                                new double[] {d.iteration(), d.iteration()},
                                new double[] {0, 1});
                v.setYAxisGroup(1);
                v.setMarker(SeriesMarkers.NONE);
                v.setLineColor(drift ? new Color(200, 40, 40) : new Color(40, 150, 60));
                v.setShowInLegend(!named[drift ? 0 : 1]);
                named[drift ? 0 : 1] = true;
            }
        }
        ReportCharts.spreadXTicks(chart);
        return chart;
    }

    /** Vertical lines at the steps that pruned (a physically smaller network after each). */
    private void markPrunes(XYChart chart) {
        for (long it : pruneSteps) {
            chart.addAnnotation(new AnnotationLine(it, true, false));
        }
        chart.getStyler().setAnnotationLineColor(Color.GRAY);
    }

    /** Accuracy against FLOPs per cycle: kept cycles joined, rolled-back ones marked. */
    private XYChart frontChart() {
        if (kept.isEmpty()) {
            return null;
        }
        XYChart chart =
                ReportCharts.xy(
                        "Accuracy vs FLOPs per cycle", "FLOPs per sample", "accuracy (0-1)", false);
        XYSeries k =
                chart.addSeries(
                        "kept (cycle order)",
                        kept.values().stream().mapToDouble(FrontPoint::flops).toArray(),
                        kept.values().stream().mapToDouble(FrontPoint::accuracy).toArray());
        k.setMarker(SeriesMarkers.CIRCLE);
        double minX = kept.values().stream().mapToDouble(FrontPoint::flops).min().orElse(0);
        double maxX = kept.values().stream().mapToDouble(FrontPoint::flops).max().orElse(1);
        if (!rolledBack.isEmpty()) {
            XYSeries r =
                    chart.addSeries(
                            "rolled back",
                            rolledBack.values().stream().mapToDouble(FrontPoint::flops).toArray(),
                            rolledBack.values().stream()
                                    .mapToDouble(FrontPoint::accuracy)
                                    .toArray());
            r.setMarker(SeriesMarkers.CROSS);
            r.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            r.setMarkerColor(new Color(200, 40, 40));
            minX =
                    Math.min(
                            minX,
                            rolledBack.values().stream()
                                    .mapToDouble(FrontPoint::flops)
                                    .min()
                                    .orElse(minX));
        }
        if (!Double.isNaN(floor)) {
            ReportCharts.add(
                    chart,
                    new Line(
                            "budget floor",
                            new double[] {minX, Math.max(maxX, minX + 1)},
                            new double[] {floor, floor},
                            true));
            chart.getSeriesMap().get("budget floor").setLineColor(Color.GRAY);
        }
        for (FrontPoint p : kept.values()) {
            chart.addAnnotation(
                    new AnnotationText("c" + p.cycle(), p.flops(), p.accuracy(), false));
        }
        return chart;
    }

    private static Line line(String name, DownsampledSeries s, boolean dashed) {
        return new Line(name, s.x(), s.y(), dashed);
    }

    private Map<String, Long> observedWidths(boolean first) {
        Map<String, Long> out = new LinkedHashMap<>();
        layers.forEach((l, h) -> out.put(l, first ? h.firstWidth : h.lastWidth));
        return out;
    }

    private String html(
            List<Figure> figures,
            List<String> notes,
            Map<String, Long> before,
            Map<String, Long> after,
            Map<String, Object> summary) {
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>prunestream run ")
                .append(esc(runId))
                .append("</title>\n<style>\n")
                .append(
                        "body{font-family:sans-serif;margin:2em auto;max-width:1000px;color:#222}\n")
                .append("table{border-collapse:collapse;margin:1em 0}\n")
                .append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}\n")
                .append("td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("figure{margin:2em 0}img{max-width:100%;border:1px solid #eee}\n")
                .append(".note{color:#666}\n</style>\n</head>\n<body>\n");
        h.append("<h1>Run ").append(esc(runId)).append("</h1>\n");
        h.append("<p>Method <b>")
                .append(esc(Objects.toString(method, "unknown")))
                .append("</b>, iterations ")
                .append(firstIteration)
                .append("–")
                .append(lastIteration)
                .append(" (")
                .append(events)
                .append(" steps recorded), current phase <b>")
                .append(esc(Objects.toString(lastPhase, "none")))
                .append("</b>. Written ")
                .append(esc(Instant.now().toString()))
                .append(".</p>\n");

        h.append("<h2>Summary</h2>\n<table class=\"summary\">\n");
        for (Map.Entry<String, Object> e : summary.entrySet()) {
            h.append("<tr><th>")
                    .append(esc(e.getKey()))
                    .append("</th><td class=\"num\">")
                    .append(esc(format(e.getValue())))
                    .append("</td></tr>\n");
        }
        h.append("<tr><th>params (first → last step)</th><td class=\"num\">")
                .append(firstParams)
                .append(" → ")
                .append(lastParams)
                .append("</td></tr>\n<tr><th>FLOPs per sample (first → last step)</th>")
                .append("<td class=\"num\">")
                .append(firstFlops)
                .append(" → ")
                .append(lastFlops)
                .append("</td></tr>\n</table>\n");

        h.append("<h2>Phases</h2>\n<table class=\"phases\">\n<tr><th>phase</th>")
                .append("<th>first iteration</th></tr>\n");
        phaseStarts.forEach(
                (p, it) ->
                        h.append("<tr><td>")
                                .append(p)
                                .append("</td><td class=\"num\">")
                                .append(it)
                                .append("</td></tr>\n"));
        h.append("</table>\n");

        cycles(h);

        h.append("<h2>Layers</h2>\n<table class=\"layers\">\n<tr><th>layer</th><th>width")
                .append(" before</th><th>width after</th><th>kept</th><th>last finite")
                .append(" ratio</th><th>sparsity</th></tr>\n");
        Set<String> names = new LinkedHashSet<>(before.keySet());
        names.addAll(after.keySet());
        names.addAll(layers.keySet());
        for (String l : names) {
            Long b = before.get(l);
            Long a = after.get(l);
            LayerHistory hist = layers.get(l);
            h.append("<tr><td>")
                    .append(esc(l))
                    .append("</td><td class=\"num\">")
                    .append(b == null ? "—" : b)
                    .append("</td><td class=\"num\">")
                    .append(a == null ? "—" : a)
                    .append("</td><td class=\"num\">")
                    .append(b == null || a == null || b == 0 ? "—" : format(100.0 * a / b) + "%")
                    .append("</td><td class=\"num\">")
                    .append(hist == null ? "—" : format(hist.ratio.last()))
                    .append("</td><td class=\"num\">")
                    .append(hist == null ? "—" : format(hist.lastSparsity))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");

        for (Figure f : figures) {
            h.append("<figure>\n<h2>")
                    .append(esc(f.title()))
                    .append("</h2>\n<img src=\"")
                    .append(esc(f.file()))
                    .append("\" width=\"")
                    .append(ReportCharts.WIDTH)
                    .append("\" height=\"")
                    .append(ReportCharts.HEIGHT)
                    .append("\" alt=\"")
                    .append(esc(f.title()))
                    .append("\">\n<figcaption>")
                    .append(esc(f.caption()))
                    .append("</figcaption>\n</figure>\n");
        }
        for (String n : notes) {
            h.append("<p class=\"note\">").append(esc(n)).append("</p>\n");
        }
        h.append("<p class=\"note\">Series are downsampled to at most ")
                .append(maxPoints)
                .append(" points (loss: bucket means; other values: last of bucket); now ")
                .append(loss.bucketWidth())
                .append(" step(s) per loss point. Non-finite losses skipped: ")
                .append(loss.skipped())
                .append(". Replayed steps skipped: ")
                .append(replayed)
                .append(".</p>\n</body>\n</html>\n");
        return h.toString();
    }

    /** A continuous run's front as a table, and its decisions (cycles, rollbacks, drift). */
    private void cycles(StringBuilder h) {
        if (kept.isEmpty() && decisions.isEmpty()) {
            return;
        }
        h.append("<h2>Cycles: accuracy vs FLOPs</h2>\n<table class=\"front\">\n")
                .append("<tr><th>cycle</th><th>FLOPs</th><th>speed-up</th><th>params</th>")
                .append("<th>accuracy when published</th><th></th></tr>\n");
        Map<Integer, String> rows = new TreeMap<>();
        kept.values().forEach(p -> rows.put(p.cycle(), row(p, "kept")));
        rolledBack.values().forEach(p -> rows.put(p.cycle(), row(p, "rolled back")));
        rows.values().forEach(h::append);
        h.append("</table>\n");
        if (!Double.isNaN(floor)) {
            h.append("<p>Budget floor (reference accuracy minus the budget): ")
                    .append(format(100 * floor))
                    .append(" %; no version was published below it.</p>\n");
        }
        h.append("<h2>Decisions</h2>\n<table class=\"decisions\">\n")
                .append("<tr><th>iteration</th><th>what</th><th></th></tr>\n");
        for (Decision d : decisions) {
            h.append("<tr><td class=\"num\">")
                    .append(d.iteration())
                    .append("</td><td>")
                    .append(esc(d.kind().name().toLowerCase(java.util.Locale.ROOT)))
                    .append("</td><td>")
                    .append(esc(d.text()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private String row(FrontPoint p, String what) {
        return "<tr><td class=\"num\">"
                + p.cycle()
                + "</td><td class=\"num\">"
                + p.flops()
                + "</td><td class=\"num\">"
                + (baseFlops > 0 ? format((double) baseFlops / p.flops()) + "×" : "—")
                + "</td><td class=\"num\">"
                + p.params()
                + "</td><td class=\"num\">"
                + format(100 * p.accuracy())
                + " %</td><td>"
                + what
                + "</td></tr>\n";
    }

    /** Numbers to at most 6 significant digits, without exponent noise; others as text. */
    static String format(Object v) {
        if (v == null) {
            return "—";
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                return Double.toString(d);
            }
            return BigDecimal.valueOf(d)
                    .round(new MathContext(6))
                    .stripTrailingZeros()
                    .toPlainString();
        }
        return v.toString();
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private record Figure(String file, String title, String caption) {}

    /** A decision of a continuous run at a step. */
    private record Decision(long iteration, CycleStatus.Kind kind, String text) {}

    /** A cycle's network on the front. */
    private record FrontPoint(int cycle, long flops, long params, double accuracy) {}

    /** What the report keeps of one layer. */
    private static final class LayerHistory {
        final DownsampledSeries lambdaPruned;
        final DownsampledSeries lambdaKept;
        final DownsampledSeries ratio;
        long firstWidth = -1;
        long lastWidth;
        double lastSparsity = Double.NaN;

        LayerHistory(int maxPoints) {
            lambdaPruned = new DownsampledSeries(Mode.LAST, maxPoints);
            lambdaKept = new DownsampledSeries(Mode.LAST, maxPoints);
            ratio = new DownsampledSeries(Mode.LAST, maxPoints);
        }

        void stats(double x, LayerStats s) {
            if (firstWidth < 0) {
                firstWidth = s.width();
            }
            lastWidth = s.width();
            lastSparsity = s.sparsity();
            // Only positive finite ratios fit a log axis; NaN means the layer was removed.
            ratio.add(x, s.magnitudeRatio() > 0 ? s.magnitudeRatio() : Double.NaN);
        }
    }
}
