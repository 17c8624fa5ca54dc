package io.prunestream.job.sink;

import io.prunestream.monitoring.EndpointSettings;
import io.prunestream.monitoring.MetricsEndpoint;
import io.prunestream.monitoring.TransactionMetrics;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaWriterState;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KafkaSink} whose failed commits are reported, not only logged by the connector. A
 * transaction that stays open longer than {@code transaction.timeout.ms} (a job down or restoring
 * for longer, or checkpoints failing for longer) is aborted by the broker, and the records written
 * in it are gone; the connector then drops the commit with a warning deep in the log. Here each
 * failed commit is one error line naming the sink, the transaction and the bound, and a count in
 * {@code prunestream.kafka.transactions.lost} for the alert. Everything else is the wrapped sink's:
 * the same writer, state, committables and topology, so savepoints stay compatible.
 */
public final class WatchedKafkaSink<T>
        implements TwoPhaseCommittingStatefulSink<T, KafkaWriterState, KafkaCommittable>,
                SupportsPostCommitTopology<KafkaCommittable> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(WatchedKafkaSink.class);

    private final KafkaSink<T> sink;
    private final String name;
    private final long transactionTimeoutMs;
    private final EndpointSettings metrics;

    /**
     * @param name what the sink writes, for the log line and the metric's {@code sink} tag
     * @param transactionTimeoutMs the producers' transaction.timeout.ms, for the log line
     */
    public WatchedKafkaSink(
            KafkaSink<T> sink, String name, long transactionTimeoutMs, EndpointSettings metrics) {
        this.sink = sink;
        this.name = name;
        this.transactionTimeoutMs = transactionTimeoutMs;
        this.metrics = metrics;
    }

    @Override
    public PrecommittingStatefulSinkWriter<T, KafkaWriterState, KafkaCommittable> createWriter(
            WriterInitContext context) throws IOException {
        return sink.createWriter(context);
    }

    @Override
    public PrecommittingStatefulSinkWriter<T, KafkaWriterState, KafkaCommittable> restoreWriter(
            WriterInitContext context, Collection<KafkaWriterState> states) throws IOException {
        return sink.restoreWriter(context, states);
    }

    @Override
    public SimpleVersionedSerializer<KafkaWriterState> getWriterStateSerializer() {
        return sink.getWriterStateSerializer();
    }

    @Override
    public SimpleVersionedSerializer<KafkaCommittable> getCommittableSerializer() {
        return sink.getCommittableSerializer();
    }

    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<KafkaCommittable>> committed) {
        sink.addPostCommitTopology(committed);
    }

    @Override
    public Committer<KafkaCommittable> createCommitter(CommitterInitContext context)
            throws IOException {
        return new ReportingCommitter(sink.createCommitter(context));
    }

    /** Hands the wrapped committer requests that report a failure before passing it on. */
    private final class ReportingCommitter implements Committer<KafkaCommittable> {
        private final Committer<KafkaCommittable> committer;
        private final MetricsEndpoint.Lease endpoint;
        private final TransactionMetrics lost;

        ReportingCommitter(Committer<KafkaCommittable> committer) {
            this.committer = committer;
            this.endpoint = MetricsEndpoint.acquireForTask(metrics);
            this.lost = new TransactionMetrics(name);
            lost.bindTo(endpoint.registry());
        }

        @Override
        public void commit(Collection<CommitRequest<KafkaCommittable>> requests)
                throws IOException, InterruptedException {
            List<CommitRequest<KafkaCommittable>> reporting =
                    requests.stream()
                            .map(r -> (CommitRequest<KafkaCommittable>) new Reporting(r, lost))
                            .toList();
            committer.commit(reporting);
        }

        @Override
        public void close() throws Exception {
            try {
                committer.close();
            } finally {
                lost.close();
                endpoint.close();
            }
        }
    }

    /** A commit request that reports a failed commit, then signals it as asked. */
    private final class Reporting implements Committer.CommitRequest<KafkaCommittable> {
        private final Committer.CommitRequest<KafkaCommittable> request;
        private final TransactionMetrics lost;

        Reporting(Committer.CommitRequest<KafkaCommittable> request, TransactionMetrics lost) {
            this.request = request;
            this.lost = lost;
        }

        private void report(Throwable cause) {
            lost.lost();
            LOG.error(
                    "{}: Kafka transaction {} could not be committed ({}): the broker aborted it,"
                            + " most likely because it stayed open longer than"
                            + " transaction.timeout.ms ({} ms: the job was down, restoring or"
                            + " failing checkpoints that long); the records written in it are"
                            + " lost",
                    name,
                    request.getCommittable().getTransactionalId(),
                    cause.toString(),
                    transactionTimeoutMs);
        }

        @Override
        public String toString() {
            return request.toString();
        }

        @Override
        public KafkaCommittable getCommittable() {
            return request.getCommittable();
        }

        @Override
        public int getNumberOfRetries() {
            return request.getNumberOfRetries();
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            report(t);
            request.signalFailedWithKnownReason(t);
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            report(t);
            request.signalFailedWithUnknownReason(t);
        }

        @Override
        public void retryLater() {
            request.retryLater();
        }

        @Override
        public void updateAndRetryLater(KafkaCommittable committable) {
            request.updateAndRetryLater(committable);
        }

        @Override
        public void signalAlreadyCommitted() {
            request.signalAlreadyCommitted();
        }
    }
}
