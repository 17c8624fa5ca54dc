package io.prunestream.monitoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts published model versions per run ({@code prunestream.model.versions}) and those published
 * without their ONNX file ({@code prunestream.model.export.failures}, registered at 0 with the
 * run's first version so an alert sees the series before the first failure).
 *
 * <pre>{@code
 * ModelVersionMetrics versions = new ModelVersionMetrics();
 * versions.bindTo(lease.registry());
 * versions.published("resnet56-greg1", true);   // false: its ONNX export failed
 * }</pre>
 */
public final class ModelVersionMetrics implements MeterBinder, AutoCloseable {

    private final RecordingFailures failures = new RecordingFailures();
    private final Map<String, Counter> perRun = new ConcurrentHashMap<>();
    private final Map<String, Counter> exportFailures = new ConcurrentHashMap<>();
    private volatile MeterOwner owner;

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        owner = MeterOwner.bindOnce(owner, registry, failures, "ModelVersionMetrics");
    }

    /** Counts one published version of a run, with its ONNX file. Never throws. */
    public void published(String runId) {
        published(runId, true);
    }

    /**
     * Counts one published version of a run; {@code withOnnx} false counts an export failure too.
     * Never throws.
     */
    public void published(String runId, boolean withOnnx) {
        try {
            MeterOwner o = owner;
            if (o == null) {
                throw new IllegalStateException(
                        "ModelVersionMetrics used before bindTo(registry); bind it in open()");
            }
            Objects.requireNonNull(runId, "runId is null; name the run the version belongs to");
            Counter c;
            Counter failed;
            synchronized (this) {
                c =
                        perRun.computeIfAbsent(
                                runId,
                                r ->
                                        o.counter(
                                                PrunestreamMetric.MODEL_VERSIONS,
                                                Tags.of("run", r)));
                failed =
                        exportFailures.computeIfAbsent(
                                runId,
                                r ->
                                        o.counter(
                                                PrunestreamMetric.MODEL_EXPORT_FAILURES,
                                                Tags.of("run", r)));
            }
            c.increment();
            if (!withOnnx) {
                failed.increment();
            }
        } catch (RuntimeException | LinkageError e) {
            failures.report("versions.published", e);
        }
    }

    /** Removes the meters this instance registered. Never throws. */
    @Override
    public synchronized void close() {
        try {
            if (owner != null) {
                owner.removeAll();
            }
        } catch (RuntimeException | LinkageError e) {
            failures.report("versions.close", e);
        }
    }
}
