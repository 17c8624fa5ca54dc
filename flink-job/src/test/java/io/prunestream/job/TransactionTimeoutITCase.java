package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.prunestream.core.data.Datasets;
import io.prunestream.job.config.JobConfig;
import io.prunestream.monitoring.EndpointSettings;
import io.prunestream.monitoring.MetricsEndpoint;
import io.prunestream.testing.KafkaFlinkCluster;
import io.prunestream.testing.Topics;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka transaction that outlives {@code transaction.timeout.ms} is aborted by the broker, and
 * the dead letters written in it are lost: the job says so (an error line and {@code
 * prunestream.kafka.transactions.lost}, which the PrunestreamKafkaTransactionLost alert watches).
 * The timeout is 8 s here; the malformed records come first, so their dead letters are written
 * before the first checkpoint's barrier (4 s in, or the final one if the input ends sooner) closes
 * their transaction, and that checkpoint is held up 16 s in the trainer's task (as a job down or
 * restoring longer than 15 minutes would hold it up).
 */
class TransactionTimeoutITCase {
    private static final long TRANSACTION_TIMEOUT_MS = 8_000;

    // the broker looks for timed-out transactions every 500 ms instead of every 10 s
    @RegisterExtension
    static final KafkaFlinkCluster CLUSTER =
            KafkaFlinkCluster.builder()
                    .brokerProperty(
                            "transaction.abort.timed.out.transaction.cleanup.interval.ms", "500")
                    .build();

    @TempDir static Path tmp;

    @Test
    void aTransactionTheBrokerAbortedIsReportedAndCounted() throws Exception {
        List<byte[]> bad = PruneJobITCase.malformed();
        try (MetricsEndpoint.Lease lease =
                MetricsEndpoint.acquire(EndpointSettings.builder().port(0).build())) {
            // in time: the dead letters are committed and nothing is counted
            run("in-time", 0);
            assertThat(Topics.readCommitted(CLUSTER.bootstrapServers(), "in-time-dlq", bad.size()))
                    .hasSize(bad.size());
            assertThat(lost(lease)).isZero();

            run("too-late", 16_000);
            assertThat(lost(lease)).as("dead-letter transactions counted as lost").isEqualTo(1);
        }
        // the loss the count reports: none of the dead letters reached the topic
        CLUSTER.send(List.of(new ProducerRecord<>("too-late-dlq", "marker".getBytes())));
        assertThat(Topics.readCommitted(CLUSTER.bootstrapServers(), "too-late-dlq", 1))
                .extracting(r -> new String(r.value()))
                .containsExactly("marker");
    }

    private static double lost(MetricsEndpoint.Lease lease) {
        Counter c =
                lease.registry()
                        .find("prunestream.kafka.transactions.lost")
                        .tag("sink", "dead-letter-topic")
                        .counter();
        return c == null ? 0 : c.count();
    }

    /** The bounded job over the malformed records and 320 samples; its first snapshot stalled. */
    private static void run(String name, long stallMs) throws Exception {
        CLUSTER.createTopic(name, 1);
        CLUSTER.createTopic(name + "-dlq", 1);
        // malformed first: their transaction is open before the first barrier, whenever it comes
        CLUSTER.send(
                PruneJobITCase.malformed().stream()
                        .map(b -> new ProducerRecord<byte[], byte[]>(name, b))
                        .toList());
        FashionMnistTopic.fill(CLUSTER.bootstrapServers(), name, Datasets.Split.TRAIN, 320, 8);
        Configuration conf =
                JobConfig.fromYaml(
                        """
                        kafka.bounded: true
                        prune.runs: r50
                        prune.batch-size: 32
                        prune.eval.interval: 0
                        eval.dataset: none
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 4 s
                        """);
        conf.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        conf.setString("kafka.topic", name);
        conf.setString("kafka.dead-letter-topic", name + "-dlq");
        conf.setString("kafka.group-id", name);
        conf.setString(
                "kafka.properties.transaction.timeout.ms", Long.toString(TRANSACTION_TIMEOUT_MS));
        conf.setString("output.dir", tmp.resolve(name).toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        StallFirstSnapshot.reset();
        PruneJob.build(env, conf, false)
                .events()
                .map(new StallFirstSnapshot(stallMs))
                .sinkTo(new DiscardingSink<>());
        env.execute(name);
    }
}
