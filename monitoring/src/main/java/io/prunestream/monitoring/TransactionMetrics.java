package io.prunestream.monitoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Counts the Kafka transactions of one sink that could not be committed ({@code
 * prunestream.kafka.transactions.lost}, tag {@code sink}): registered at 0 on bind, so an alert on
 * its increase sees the first loss.
 *
 * <pre>{@code
 * TransactionMetrics lost = new TransactionMetrics("dead-letter-topic");
 * lost.bindTo(lease.registry());
 * lost.lost();
 * }</pre>
 */
public final class TransactionMetrics implements MeterBinder, AutoCloseable {
    private final String sink;
    private final RecordingFailures failures = new RecordingFailures();
    private volatile MeterOwner owner;
    private volatile Counter lost;

    public TransactionMetrics(String sink) {
        this.sink = sink;
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        owner = MeterOwner.bindOnce(owner, registry, failures, "TransactionMetrics");
        try {
            lost = owner.counter(PrunestreamMetric.KAFKA_TRANSACTIONS_LOST, Tags.of("sink", sink));
        } catch (RuntimeException | LinkageError e) {
            failures.report("transactions.bind", e);
        }
    }

    /** Counts one transaction that could not be committed. Never throws. */
    public void lost() {
        try {
            Counter c = lost;
            if (c == null) {
                throw new IllegalStateException(
                        "TransactionMetrics used before bindTo(registry); bind it first");
            }
            c.increment();
        } catch (RuntimeException | LinkageError e) {
            failures.report("transactions.lost", e);
        }
    }

    /**
     * Leaves the counter in the registry: a loss found while committing at the end of a job must
     * stay visible to the next scrape. Never throws.
     */
    @Override
    public void close() {}
}
