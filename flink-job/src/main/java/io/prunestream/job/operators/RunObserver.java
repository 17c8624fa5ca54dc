package io.prunestream.job.operators;

import io.prunestream.core.run.CycleStatus;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.store.ModelStore;
import io.prunestream.monitoring.EndpointSettings;
import io.prunestream.monitoring.MetricsEndpoint;
import io.prunestream.monitoring.ModelVersionMetrics;
import io.prunestream.monitoring.TrainingMetrics;
import io.prunestream.monitoring.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.FileUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns training events and model versions into metrics (Micrometer, served for Prometheus), an
 * HTML report per run (written at every model version: {@code <run>/report/index.html} and {@code
 * <run>/reports/vNNNN/}) and, when asked, a progress line per run every few seconds. Emits one line
 * per published version, and a continuous run's decisions (cycles kept or rolled back, drift) as
 * lines when printing progress. The report's history starts again after a restore: it is a view,
 * not training state.
 */
public class RunObserver
        extends KeyedCoProcessFunction<String, TrainingEvent, ModelVersion, String> {
    private static final Logger LOG = LoggerFactory.getLogger(RunObserver.class);
    private final EndpointSettings endpointSettings;
    private final boolean versionReports;
    private final int keepVersions;
    private final boolean printProgress;
    private transient Map<String, Integer> announced;
    private transient MetricsEndpoint.Lease endpoint;
    private transient TrainingMetrics training;
    private transient ModelVersionMetrics versions;
    private transient Map<String, Long> lastPrint;
    private transient Map<String, Double> lastAccuracy;
    private transient Map<String, RunReport> reports;

    public RunObserver(
            EndpointSettings endpointSettings,
            boolean printProgress,
            boolean versionReports,
            int keepVersions) {
        this.endpointSettings = endpointSettings;
        this.versionReports = versionReports;
        this.keepVersions = keepVersions;
        this.printProgress = printProgress;
    }

    @Override
    public void open(OpenContext ctx) {
        endpoint = MetricsEndpoint.acquireForTask(endpointSettings);
        training = new TrainingMetrics();
        training.bindTo(endpoint.registry());
        versions = new ModelVersionMetrics();
        versions.bindTo(endpoint.registry());
        lastPrint = new HashMap<>();
        lastAccuracy = new HashMap<>();
        reports = new HashMap<>();
        announced = new HashMap<>();
    }

    @Override
    public void processElement1(TrainingEvent e, Context ctx, Collector<String> out) {
        training.record(e);
        reports.computeIfAbsent(e.runId(), RunReport::new).add(e);
        if (e.evalAccuracy() != null) {
            lastAccuracy.put(e.runId(), e.evalAccuracy());
        }
        if (!printProgress) {
            return;
        }
        if (e.cycles() != null) {
            for (CycleStatus.Decision d : e.cycles().decisions()) {
                System.out.printf(
                        Locale.ROOT, "[%-8s] it %6d  %s%n", e.runId(), e.iteration(), d.text());
            }
        }
        long now = System.currentTimeMillis();
        if (now - lastPrint.getOrDefault(e.runId(), 0L) >= 3000) {
            lastPrint.put(e.runId(), now);
            System.out.println(progressLine(e, lastAccuracy.get(e.runId())));
        }
    }

    /**
     * One run's progress: phase, iteration, λ, loss, held-out and prequential accuracy, params; a
     * continuous run adds its cycle and, while paused by drift, says so.
     */
    static String progressLine(TrainingEvent e, Double acc) {
        String line =
                String.format(
                        Locale.ROOT,
                        "[%-8s] %-10s it %6d  lambda %.4g  loss %.4f  acc %s  preq %s  params %d",
                        e.runId(),
                        e.phase(),
                        e.iteration(),
                        e.lambdaPruned(),
                        e.loss(),
                        acc == null ? "  -  " : String.format(Locale.ROOT, "%.2f%%", 100 * acc),
                        e.prequentialAccuracy() == null
                                ? "  -  "
                                : String.format(
                                        Locale.ROOT, "%.2f%%", 100 * e.prequentialAccuracy()),
                        e.params());
        if (e.cycles() != null) {
            line +=
                    String.format(
                            Locale.ROOT,
                            "  cycle %d%s",
                            e.cycles().cycle(),
                            e.cycles().drift() ? "  DRIFT (cycles paused)" : "");
        }
        return line;
    }

    @Override
    public void processElement2(ModelVersion v, Context ctx, Collector<String> out) {
        if (v.last() && Integer.valueOf(v.version()).equals(announced.get(v.runId()))) {
            // the stream ended right after a periodic version: the same version, now marked last
            out.collect(
                    String.format(
                            Locale.ROOT,
                            "run %s ended: v%d at iteration %d is its final version",
                            v.runId(),
                            v.version(),
                            v.iteration()));
            return;
        }
        announced.put(v.runId(), v.version());
        reports.computeIfAbsent(v.runId(), RunReport::new).add(v);
        String noOnnx = v.files() == null ? null : v.files().onnxError();
        versions.published(v.runId(), noOnnx == null);
        String report = writeReport(v);
        out.collect(
                String.format(
                        Locale.ROOT,
                        "run %s published v%d at iteration %d: %d params, FLOPs x%.2f%s -> %s%s%s",
                        v.runId(),
                        v.version(),
                        v.iteration(),
                        v.params(),
                        v.flopsSpeedup(),
                        v.report().lineage() == null
                                ? ""
                                : String.format(
                                        Locale.ROOT,
                                        ", cycle %d, accuracy %.2f%%",
                                        v.report().lineage().cycle(),
                                        100 * v.report().lineage().accuracy()),
                        v.path(),
                        report == null ? "" : " (report " + report + ")",
                        noOnnx == null ? "" : "; without " + ModelStore.ONNX_FILE + ": " + noOnnx));
    }

    /**
     * Writes the run's HTML report for this version, and as the run's latest report. A failing
     * report never fails the job: it is logged and skipped.
     */
    private String writeReport(ModelVersion v) {
        RunReport r = reports.computeIfAbsent(v.runId(), RunReport::new);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("run", v.runId());
        summary.put("version", v.version());
        summary.put("iteration", v.iteration());
        summary.put(
                "base accuracy (end of warm-up, or a model file's as read)",
                percent(v.baseAccuracy()));
        summary.put("accuracy before pruning", percent(v.accuracyBeforePrune()));
        summary.put("accuracy now", percent(v.accuracy()));
        summary.put("params", v.baseParams() + " -> " + v.params());
        summary.put("FLOPs", v.baseFlops() + " -> " + v.flops());
        summary.put("FLOPs speed-up", String.format(Locale.ROOT, "%.2fx", v.flopsSpeedup()));
        summary.put(
                "kept/pruned magnitude at pruning",
                String.format(Locale.ROOT, "%.0f", v.magnitudeRatioAtPrune()));
        var lineage = v.report().lineage();
        if (lineage != null) {
            summary.put(
                    "cycle",
                    lineage.cycle()
                            + (lineage.rolledBackFrom() == null
                                    ? ""
                                    : " (published again: cycle "
                                            + lineage.rolledBackFrom().cycle()
                                            + " was rolled back)"));
            summary.put(
                    "reference accuracy, budget",
                    percent(lineage.reference())
                            + String.format(Locale.ROOT, ", %.2f points", lineage.budget()));
        }
        summary.put("model", v.path());
        Path runDir = Path.of(v.path()).getParent();
        try {
            if (versionReports) {
                Path reports = runDir.resolve("reports");
                r.write(
                        reports.resolve(ModelStore.versionFolder(v.version())),
                        v.baseWidths(),
                        v.widths(),
                        summary);
                pruneReports(reports);
            }
            return r.write(runDir.resolve("report"), v.baseWidths(), v.widths(), summary)
                    .toString();
        } catch (IOException | RuntimeException e) {
            LOG.warn(
                    "run '{}': cannot write the HTML report for v{}: {}",
                    v.runId(),
                    v.version(),
                    e.toString());
            return null;
        }
    }

    /** Keeps the newest {@code keepVersions} per-version reports, as the versions themselves. */
    private void pruneReports(Path reports) throws IOException {
        if (keepVersions <= 0) {
            return;
        }
        List<Path> all;
        try (Stream<Path> s = Files.list(reports)) {
            all = s.filter(Files::isDirectory).sorted().toList();
        }
        for (int i = 0; i < all.size() - keepVersions; i++) {
            FileUtils.deleteDirectory(all.get(i).toFile());
        }
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "not evaluated" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    @Override
    public void close() {
        if (training != null) {
            training.close();
        }
        if (versions != null) {
            versions.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }
}
