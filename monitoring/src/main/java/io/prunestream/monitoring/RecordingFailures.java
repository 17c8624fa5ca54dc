package io.prunestream.monitoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where binders put the exceptions they swallow: a training job must never fail because of a
 * metric, but a broken metric must not go unnoticed either. Each failure is counted in {@code
 * prunestream.metrics.failures}; the log gets the first failure per binder method and then at most
 * one line per interval with the number suppressed, so a failing per-step call cannot flood it.
 */
final class RecordingFailures {

    private static final Logger LOG = LoggerFactory.getLogger(RecordingFailures.class);
    static final long DEFAULT_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final long intervalNanos;
    private final LongSupplier clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private volatile MeterRegistry registry;

    RecordingFailures() {
        this(DEFAULT_INTERVAL_NANOS, System::nanoTime);
    }

    RecordingFailures(long intervalNanos, LongSupplier clock) {
        this.intervalNanos = intervalNanos;
        this.clock = clock;
    }

    void bindTo(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Counts and (rate-limited) logs a swallowed exception. Never throws.
     *
     * @return whether a log line was written (for tests)
     */
    boolean report(String where, Throwable error) {
        try {
            MeterRegistry r = registry;
            if (r != null) {
                Counter.builder(PrunestreamMetric.METRICS_FAILURES.meterName())
                        .description(PrunestreamMetric.METRICS_FAILURES.description())
                        .tag("reason", where)
                        .register(r)
                        .increment();
            }
            Window w = windows.computeIfAbsent(where, k -> new Window());
            long now = clock.getAsLong();
            synchronized (w) {
                if (w.lastLogNanos != Long.MIN_VALUE && now - w.lastLogNanos < intervalNanos) {
                    w.suppressed.incrementAndGet();
                    return false;
                }
                long suppressed = w.suppressed.getAndSet(0);
                w.lastLogNanos = now;
                LOG.warn(
                        "metrics: {} failed and was skipped ({} similar failures suppressed since"
                                + " the last report); training continues",
                        where,
                        suppressed,
                        error);
                return true;
            }
        } catch (RuntimeException | LinkageError e) {
            // Last line of defence: even logging must not reach the job.
            return false;
        }
    }

    private static final class Window {
        long lastLogNanos = Long.MIN_VALUE;
        final AtomicLong suppressed = new AtomicLong();
    }
}
