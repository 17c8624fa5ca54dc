package io.prunestream.job.operators;

import io.prunestream.core.train.TrainingEvent;
import io.prunestream.job.config.PruneOptions;
import io.prunestream.job.model.ModelVersion;
import io.prunestream.monitoring.EndpointSettings;
import io.prunestream.monitoring.MetricsEndpoint;
import io.prunestream.monitoring.ModelVersionMetrics;
import io.prunestream.monitoring.PortConflict;
import io.prunestream.monitoring.TrainingMetrics;
import java.util.Locale;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Turns training events and model versions into metrics (Micrometer, served for Prometheus) and,
 * when asked, a progress line per run every few seconds. Emits one line per published version.
 */
public class RunObserver extends KeyedCoProcessFunction<String, TrainingEvent, ModelVersion, String> {
    private final Configuration jobConfig;
    private final boolean printProgress;
    private transient MetricsEndpoint.Lease endpoint;
    private transient TrainingMetrics training;
    private transient ModelVersionMetrics versions;
    private transient java.util.Map<String, Long> lastPrint;
    private transient java.util.Map<String, Double> lastAccuracy;

    public RunObserver(Configuration jobConfig, boolean printProgress) {
        this.jobConfig = jobConfig;
        this.printProgress = printProgress;
    }

    @Override
    public void open(OpenContext ctx) {
        endpoint =
                MetricsEndpoint.acquire(
                        EndpointSettings.builder()
                                .bindAddress(jobConfig.get(PruneOptions.METRICS_BIND))
                                .port(jobConfig.get(PruneOptions.METRICS_PORT))
                                .portConflict(
                                        PortConflict.valueOf(
                                                jobConfig
                                                        .get(PruneOptions.METRICS_PORT_CONFLICT)
                                                        .toUpperCase(Locale.ROOT)))
                                .build());
        training = new TrainingMetrics();
        training.bindTo(endpoint.registry());
        versions = new ModelVersionMetrics();
        versions.bindTo(endpoint.registry());
        lastPrint = new java.util.HashMap<>();
        lastAccuracy = new java.util.HashMap<>();
    }

    @Override
    public void processElement1(TrainingEvent e, Context ctx, Collector<String> out) {
        training.record(e);
        if (e.evalAccuracy() != null) {
            lastAccuracy.put(e.runId(), e.evalAccuracy());
        }
        if (!printProgress) {
            return;
        }
        long now = System.currentTimeMillis();
        if (now - lastPrint.getOrDefault(e.runId(), 0L) >= 3000) {
            lastPrint.put(e.runId(), now);
            Double acc = lastAccuracy.get(e.runId());
            System.out.printf(
                    Locale.ROOT,
                    "[%-8s] %-10s it %6d  lambda %.4g  loss %.4f  acc %s  params %d%n",
                    e.runId(),
                    e.phase(),
                    e.iteration(),
                    e.lambdaPruned(),
                    e.loss(),
                    acc == null ? "  -  " : String.format(Locale.ROOT, "%.2f%%", 100 * acc),
                    e.params());
        }
    }

    @Override
    public void processElement2(ModelVersion v, Context ctx, Collector<String> out) {
        versions.published(v.runId);
        out.collect(
                String.format(
                        Locale.ROOT,
                        "run %s published v%d at iteration %d: %d params, FLOPs x%.2f -> %s",
                        v.runId,
                        v.version,
                        v.iteration,
                        v.params,
                        v.flopsSpeedup(),
                        v.path));
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
