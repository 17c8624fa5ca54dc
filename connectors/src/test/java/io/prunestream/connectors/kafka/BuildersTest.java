package io.prunestream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Every missing or bad setting fails in build() with a message naming the setter; what the builders
 * configure (offsets, producer limits) is checked value by value. The behaviour on a broker is in
 * {@link KafkaIngestITCase} and {@link DeadLetterTopicITCase}.
 */
class BuildersTest {
    private static final String SECRET =
            "org.apache.kafka.common.security.plain.PlainLoginModule"
                    + " required username=\"u\" password=\"hunter2\";";

    private static TrainingSource.Builder source() {
        return TrainingSource.builder()
                .setBootstrapServers("localhost:9092")
                .setTopics("fashion-mnist")
                .setGroupId("g")
                .setExpectedSampleShape(1, 28, 28)
                .setClasses(10);
    }

    private static DeadLetterSink.Builder sink() {
        return DeadLetterSink.builder()
                .setBootstrapServers("localhost:9092")
                .setTopic("dlq")
                .setTransactionalIdPrefix("prunestream-dlq");
    }

    @Test
    void sourceBuildsBoundedOrUnbounded() {
        KafkaSource<IngestedRecord> unbounded = source().build();
        KafkaSource<IngestedRecord> bounded = source().setBounded(true).build();

        assertThat(unbounded.getBoundedness()).isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
        assertThat(bounded.getBoundedness()).isEqualTo(Boundedness.BOUNDED);
    }

    @Test
    void sourceNamesTheMissingSetting() {
        assertThatThrownBy(() -> source().setBootstrapServers(" ").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("call setBootstrapServers(");
        assertThatThrownBy(() -> source().setTopics().build())
                .hasMessageContaining("no topics are set: call setTopics(");
        assertThatThrownBy(() -> source().setTopics("a", "").build())
                .hasMessageContaining("topics [a, ] contain a blank name");
        assertThatThrownBy(() -> source().setGroupId(null).build())
                .hasMessageContaining("call setGroupId(");
        assertThatThrownBy(() -> source().setExpectedSampleShape((int[]) null).build())
                .hasMessageContaining("call setExpectedSampleShape(1, 28, 28)");
        assertThatThrownBy(() -> source().setExpectedSampleShape(1, 0, 28).build())
                .hasMessageContaining("has a dim below 1")
                .hasMessageContaining("fix setExpectedSampleShape");
        assertThatThrownBy(() -> source().setClasses(0).build())
                .hasMessageContaining("classes is 0: call setClasses(n) with n >= 1");
        assertThatThrownBy(() -> source().setValueRange(null).build())
                .hasMessageContaining("call setValueRange(ValueRange.DEFAULT)");
        assertThatThrownBy(() -> source().setProperty("group.id", "x"))
                .hasMessageContaining("property 'group.id' has its own setter");
        assertThatThrownBy(() -> source().setProperty("auto.offset.reset", "latest"))
                .hasMessageContaining("setStartingOffsets");
    }

    @Test
    void startingOffsetsParseFromConfigurationText() {
        assertThat(TrainingSource.StartingOffsets.parse("committed"))
                .isEqualTo(TrainingSource.StartingOffsets.COMMITTED);
        assertThat(TrainingSource.StartingOffsets.parse(" Latest "))
                .isEqualTo(TrainingSource.StartingOffsets.LATEST);
        assertThat(TrainingSource.StartingOffsets.parse("EARLIEST"))
                .isEqualTo(TrainingSource.StartingOffsets.EARLIEST);
        assertThatThrownBy(() -> TrainingSource.StartingOffsets.parse("newest"))
                .hasMessageContaining("use earliest, latest or committed");
        assertThatThrownBy(() -> TrainingSource.StartingOffsets.parse(null))
                .hasMessageContaining("unknown starting offsets 'null'");
    }

    @Test
    @SuppressWarnings("deprecation") // the connector's API still returns OffsetResetStrategy
    void committedAndEarliestLeaveThePositionToTheReader() {
        List<TopicPartition> parts =
                List.of(new TopicPartition("t", 0), new TopicPartition("t", 1));
        // committed: the reader looks up the group's offsets, and starts at the earliest record
        // where the group has none
        OffsetsInitializer committed = TrainingSource.StartingOffsets.COMMITTED.initializer();
        assertThat(committed.getPartitionOffsets(parts, NO_LOOKUPS))
                .containsOnlyKeys(parts)
                .allSatisfy(
                        (tp, o) -> assertThat(o).isEqualTo(KafkaPartitionSplit.COMMITTED_OFFSET));
        assertThat(committed.getAutoOffsetResetStrategy()).isEqualTo(OffsetResetStrategy.EARLIEST);
        assertThat(
                        TrainingSource.StartingOffsets.EARLIEST
                                .initializer()
                                .getPartitionOffsets(parts, NO_LOOKUPS))
                .allSatisfy(
                        (tp, o) -> assertThat(o).isEqualTo(KafkaPartitionSplit.EARLIEST_OFFSET));
        // latest looks up the end offsets at start: KafkaIngestITCase checks it on a broker
        // every value builds a source
        for (TrainingSource.StartingOffsets o : TrainingSource.StartingOffsets.values()) {
            assertThat(source().setStartingOffsets(o).build().getBoundedness())
                    .isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
        }
    }

    /** Committed and earliest answer with markers for the reader, without asking Kafka. */
    private static final OffsetsInitializer.PartitionOffsetsRetriever NO_LOOKUPS =
            (OffsetsInitializer.PartitionOffsetsRetriever)
                    Proxy.newProxyInstance(
                            BuildersTest.class.getClassLoader(),
                            new Class<?>[] {OffsetsInitializer.PartitionOffsetsRetriever.class},
                            (proxy, method, args) -> {
                                throw new AssertionError("no lookup expected: " + method.getName());
                            });

    @Test
    void sinkNeedsATopicAndATransactionalIdForTheDefaultExactlyOnce() {
        assertThatThrownBy(() -> DeadLetterSink.builder().setTopic("dlq").build())
                .hasMessageContaining("call setBootstrapServers(");
        assertThatThrownBy(
                        () ->
                                DeadLetterSink.builder()
                                        .setBootstrapServers("localhost:9092")
                                        .build())
                .hasMessageContaining("dead-letter topic is not set: call setTopic(");
        // exactly-once is the default: without a prefix it cannot build
        assertThatThrownBy(
                        () ->
                                DeadLetterSink.builder()
                                        .setBootstrapServers("localhost:9092")
                                        .setTopic("dlq")
                                        .build())
                .hasMessageContaining("EXACTLY_ONCE needs a transactional id prefix")
                .hasMessageContaining("setTransactionalIdPrefix(");
        assertThatThrownBy(() -> sink().setMaxPayloadBytes(-1).build())
                .hasMessageContaining("max payload bytes is -1");
        assertThatThrownBy(() -> sink().setProperty("transactional.id", "x"))
                .hasMessageContaining("use setBootstrapServers/setTransactionalIdPrefix");
    }

    @Test
    void sinkSetsTheProducerLimitExplicitlyAndPassesClientPropertiesThrough() {
        Properties p =
                sink().setProperties(
                                Map.of(
                                        "security.protocol", "SASL_SSL",
                                        "sasl.mechanism", "PLAIN",
                                        "sasl.jaas.config", SECRET))
                        .producerConfig();

        assertThat(p.getProperty("max.request.size")).isEqualTo("1048576");
        assertThat(p.getProperty("compression.type")).isEqualTo("none");
        assertThat(p.getProperty("transaction.timeout.ms")).isEqualTo("900000");
        assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(p.getProperty("sasl.jaas.config")).isEqualTo(SECRET);
        assertThat(
                        sink().setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                                .producerConfig()
                                .getProperty("transaction.timeout.ms"))
                .isNull();
    }

    @Test
    void theRecordLimitIsTheSmallestOfProducerAndTopic() {
        DeadLetterTopic big = new DeadLetterTopic("dlq", 1, 8_000_000);
        DeadLetterTopic small = new DeadLetterTopic("dlq", 1, 300_000);
        DeadLetterSink.Builder b = sink();

        assertThat(b.serializer(b.producerConfig(), big).recordLimit()).isEqualTo(1_048_576);
        assertThat(b.serializer(b.producerConfig(), small).recordLimit()).isEqualTo(300_000);
        b.setProperty("max.request.size", "4000000");
        assertThat(b.serializer(b.producerConfig(), big).recordLimit()).isEqualTo(4_000_000);
        b.setProperty("buffer.memory", "2000000");
        assertThat(b.serializer(b.producerConfig(), big).recordLimit()).isEqualTo(2_000_000);
        // compressed data that does not compress can grow: a fifth is kept free
        b.setProperty("compression.type", "lz4");
        assertThat(b.serializer(b.producerConfig(), big).recordLimit()).isEqualTo(1_600_000);
        assertThat(
                        sink().setMaxPayloadBytes(4096)
                                .serializer(new Properties(), big)
                                .maxPayloadBytes())
                .isEqualTo(4096);
        assertThatThrownBy(
                        () ->
                                sink().serializer(
                                                sink().producerConfig(),
                                                new DeadLetterTopic("dlq", 1, 10_000)))
                .hasMessageContaining("would have to fit in 10000 bytes")
                .hasMessageContaining("raise them to at least 16384");
    }

    @Test
    void messagesNameKeysNeverValues() {
        assertThatThrownBy(() -> source().setProperty("bootstrap.servers", SECRET))
                .hasMessageContaining("bootstrap.servers")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> sink().setProperty("bootstrap.servers", SECRET))
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> sink().setProperty("max.request.size", SECRET).build())
                .hasMessageContaining("'max.request.size' is not a whole number")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(
                        () ->
                                HeldOutTopic.read(
                                        "localhost:9092",
                                        "t",
                                        new io.prunestream.connectors.record.RecordValidator(
                                                new int[] {1}, 2),
                                        1,
                                        Map.of("bootstrap.servers", SECRET)))
                .hasMessageContaining("'bootstrap.servers' is set by the held-out reader")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(
                        () ->
                                sink().setTopicCheckTimeout(Duration.ZERO)
                                        .setProperty("sasl.jaas.config", SECRET)
                                        .build())
                .hasMessageContaining("timeout must be positive")
                .hasMessageNotContaining("hunter2");
    }
}
