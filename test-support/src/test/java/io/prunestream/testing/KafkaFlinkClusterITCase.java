package io.prunestream.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fixture the pipeline tests share: what its reader sees, where its sender writes. */
class KafkaFlinkClusterITCase {
    @RegisterExtension
    static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().miniCluster(1, 3).build();

    @BeforeAll
    static void topics() {
        // the broker is up before the class's own @BeforeAll methods
        CLUSTER.createTopic("three", 3);
        CLUSTER.createTopic("tx", 1);
    }

    private static ProducerRecord<byte[], byte[]> record(
            String topic, Integer partition, String v) {
        return new ProducerRecord<>(topic, partition, null, v.getBytes(StandardCharsets.UTF_8));
    }

    private static String value(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }

    @Test
    void sendReturnsWhereEachRecordLandedInOrder() {
        List<RecordMetadata> at =
                CLUSTER.send(
                        List.of(
                                record("three", 2, "a"),
                                record("three", 0, "b"),
                                record("three", 2, "c")));

        assertThat(at).extracting(RecordMetadata::partition).containsExactly(2, 0, 2);
        assertThat(at).extracting(RecordMetadata::offset).containsExactly(0L, 0L, 1L);
        assertThat(CLUSTER.readCommitted("three", 3))
                .extracting(r -> r.partition() + ":" + value(r))
                .containsExactly("0:b", "2:a", "2:c");
    }

    @Test
    void readCommittedSkipsAbortedTransactionsAndReadsPastWhatItExpects() {
        try (KafkaProducer<byte[], byte[]> p =
                CLUSTER.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "fixture-it"))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(record("tx", null, "committed-1"));
            p.send(record("tx", null, "committed-2"));
            p.commitTransaction();
            p.beginTransaction();
            p.send(record("tx", null, "aborted"));
            p.abortTransaction();
            p.beginTransaction();
            p.send(record("tx", null, "committed-3"));
            p.commitTransaction();
        }
        CLUSTER.send(List.of(record("tx", null, "plain")));

        List<ConsumerRecord<byte[], byte[]>> seen = CLUSTER.readCommitted("tx", 1);

        assertThat(seen)
                .extracting(KafkaFlinkClusterITCase::value)
                .containsExactly("committed-1", "committed-2", "committed-3", "plain");
        assertThat(KafkaFlinkCluster.header(seen.get(0), "no-such-header")).isNull();
    }

    @Test
    void jobsRunOnTheMiniClusterOfTheGivenSize() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // the mini cluster's environment: its default parallelism is its slot count
        assertThat(env.getParallelism()).isEqualTo(3);
        try (var out = env.fromData(1, 2, 3).map(x -> x * 10).executeAndCollect()) {
            List<Integer> got = new ArrayList<>();
            out.forEachRemaining(got::add);
            assertThat(got).containsExactlyInAnyOrder(10, 20, 30);
        }
    }
}
