package io.prunestream.monitoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts published model versions per run ({@code prunestream.model.versions}).
 *
 * <pre>{@code
 * ModelVersionMetrics versions = new ModelVersionMetrics();
 * versions.bindTo(lease.registry());
 * versions.published("resnet56-greg1");
 * }</pre>
 */
public final class ModelVersionMetrics implements MeterBinder, AutoCloseable {

    private final RecordingFailures failures = new RecordingFailures();
    private final Map<String, Counter> perRun = new ConcurrentHashMap<>();
    private volatile MeterOwner owner;

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        owner = MeterOwner.bindOnce(owner, registry, failures, "ModelVersionMetrics");
    }

    /** Counts one published version of a run. Never throws. */
    public void published(String runId) {
        try {
            MeterOwner o = owner;
            if (o == null) {
                throw new IllegalStateException(
                        "ModelVersionMetrics used before bindTo(registry); bind it in open()");
            }
            Objects.requireNonNull(runId, "runId is null; name the run the version belongs to");
            Counter c;
            synchronized (this) {
                c =
                        perRun.computeIfAbsent(
                                runId,
                                r ->
                                        o.counter(
                                                PrunestreamMetric.MODEL_VERSIONS,
                                                Tags.of("run", r)));
            }
            c.increment();
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
