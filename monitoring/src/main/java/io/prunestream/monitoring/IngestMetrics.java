package io.prunestream.monitoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what the decode-and-validate step let through ({@code prunestream.ingest.accepted}) and
 * what it sent to the dead-letter topic ({@code prunestream.ingest.rejected}, tag {@code reason}).
 *
 * <pre>{@code
 * IngestMetrics ingest = new IngestMetrics();
 * ingest.bindTo(lease.registry());
 * ingest.accepted(batch.size());
 * ingest.rejected("bad-version");
 * }</pre>
 *
 * <p>Reasons become tag values, so they are normalised (lowercase, {@code [a-z0-9_.-]}, at most 64
 * characters) and capped at {@value #MAX_REASONS} distinct values per instance; further reasons are
 * counted as {@code other}, so a bug that puts record contents in the reason cannot create
 * unbounded series.
 */
public final class IngestMetrics implements MeterBinder, AutoCloseable {

    /** Distinct reason tag values before new ones are folded into {@code other}. */
    public static final int MAX_REASONS = 32;

    static final String OTHER = "other";

    private final RecordingFailures failures = new RecordingFailures();
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private volatile MeterOwner owner;
    private volatile Counter accepted;

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (owner != null) {
            throw new IllegalStateException(
                    "This IngestMetrics is already bound; create one IngestMetrics per registry");
        }
        failures.bindTo(registry);
        owner = new MeterOwner(registry);
        // Registered at 0 so the reject-ratio alert has a denominator from the start.
        accepted = owner.counter(PrunestreamMetric.INGEST_ACCEPTED, Tags.empty());
    }

    /** Counts samples that passed validation. Never throws. */
    public void accepted(long samples) {
        try {
            requireBound().increment(samples);
        } catch (RuntimeException | LinkageError e) {
            failures.report("ingest.accepted", e);
        }
    }

    /** Counts one rejected record. Never throws. */
    public void rejected(String reason) {
        rejected(reason, 1);
    }

    /** Counts rejected records with the same reason. Never throws. */
    public void rejected(String reason, long records) {
        try {
            requireBound();
            String tag = normalise(reason);
            Counter c = rejected.get(tag);
            if (c == null) {
                synchronized (this) {
                    if (!rejected.containsKey(tag) && rejected.size() >= MAX_REASONS) {
                        tag = OTHER;
                    }
                    c =
                            rejected.computeIfAbsent(
                                    tag,
                                    t ->
                                            owner.counter(
                                                    PrunestreamMetric.INGEST_REJECTED,
                                                    Tags.of("reason", t)));
                }
            }
            c.increment(records);
        } catch (RuntimeException | LinkageError e) {
            failures.report("ingest.rejected", e);
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
            failures.report("ingest.close", e);
        }
    }

    static String normalise(String reason) {
        if (reason == null || reason.isBlank()) {
            return "unknown";
        }
        String r = reason.strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.-]+", "_");
        return r.length() > 64 ? r.substring(0, 64) : r;
    }

    private Counter requireBound() {
        Counter c = accepted;
        if (c == null) {
            throw new IllegalStateException(
                    "IngestMetrics used before bindTo(registry); bind it to"
                            + " MetricsEndpoint.Lease.registry() in the operator's open()");
        }
        return c;
    }
}
