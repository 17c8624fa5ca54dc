package io.prunestream.monitoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what the decode-and-validate step let through ({@code prunestream.ingest.accepted} in
 * samples, {@code prunestream.ingest.accepted.records} in records) and what it sent to the
 * dead-letter topic ({@code prunestream.ingest.rejected} in records, tag {@code reason}), so the
 * reject rate can be computed in one unit: rejected / (rejected + accepted.records).
 *
 * <pre>{@code
 * IngestMetrics ingest = new IngestMetrics(List.of("BAD_MAGIC", "BAD_VERSION"));
 * ingest.bindTo(lease.registry());   // every counter registered, at 0
 * ingest.accepted(batch.size());     // one record of batch.size() samples
 * ingest.rejected("BAD_VERSION");
 * }</pre>
 *
 * <p>Reasons become tag values, so they are normalised (lowercase, {@code [a-z0-9_.-]}, at most 64
 * characters) and capped at {@value #MAX_REASONS} distinct values per instance; further reasons are
 * counted as {@code other}, so a bug that puts record contents in the reason cannot create
 * unbounded series.
 *
 * <p>The counters stay in the registry when this binder closes. The ingest step of a bounded job
 * closes as soon as its input ends, while training goes on; counters created on the first rejection
 * and removed at close existed only between the last records (where a producer's stray records tend
 * to be) and the end of the input, too briefly for a scrape to see them. Registered at bind and
 * kept, every series is visible from the start to the end of the process, and an instance bound
 * after a restart continues the same counters.
 */
public final class IngestMetrics implements MeterBinder, AutoCloseable {

    /** Distinct reason tag values before new ones are folded into {@code other}. */
    public static final int MAX_REASONS = 32;

    static final String OTHER = "other";

    private final List<String> knownReasons;
    private final RecordingFailures failures = new RecordingFailures();
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private volatile MeterOwner owner;
    private volatile Counter acceptedSamples;
    private volatile Counter acceptedRecords;
    private volatile boolean closed;

    /** Rejected counters appear with the first rejection of each reason. */
    public IngestMetrics() {
        this(List.of());
    }

    /**
     * @param knownReasons reasons whose rejected counter is registered at 0 on bind, so a scrape
     *     sees {@code prunestream.ingest.rejected} before the first rejection
     */
    public IngestMetrics(Collection<String> knownReasons) {
        this.knownReasons = List.copyOf(knownReasons);
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        owner = MeterOwner.bindOnce(owner, registry, failures, "IngestMetrics");
        // Registered at 0 so the reject-ratio alert has a denominator from the start.
        acceptedSamples = owner.counter(PrunestreamMetric.INGEST_ACCEPTED, Tags.empty());
        acceptedRecords = owner.counter(PrunestreamMetric.INGEST_ACCEPTED_RECORDS, Tags.empty());
        for (String reason : knownReasons) {
            rejectedCounter(reason);
        }
    }

    /** Counts one accepted record holding {@code samples} samples. Never throws. */
    public void accepted(long samples) {
        accepted(1, samples);
    }

    /** Counts accepted records and the samples they hold. Never throws. */
    public void accepted(long records, long samples) {
        try {
            requireBound();
            if (!closed) {
                acceptedRecords.increment(records);
                acceptedSamples.increment(samples);
            }
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
            if (!closed) {
                rejectedCounter(reason).increment(records);
            }
        } catch (RuntimeException | LinkageError e) {
            failures.report("ingest.rejected", e);
        }
    }

    /**
     * Stops counting through this instance; the counters stay in the registry with their values
     * (see the class comment). Never throws.
     */
    @Override
    public void close() {
        closed = true;
    }

    private Counter rejectedCounter(String reason) {
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
        return c;
    }

    static String normalise(String reason) {
        if (reason == null || reason.isBlank()) {
            return "unknown";
        }
        String r = reason.strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.-]+", "_");
        return r.length() > 64 ? r.substring(0, 64) : r;
    }

    private void requireBound() {
        if (acceptedRecords == null) {
            throw new IllegalStateException(
                    "IngestMetrics used before bindTo(registry); bind it to"
                            + " MetricsEndpoint.Lease.registry() in the operator's open()");
        }
    }
}
