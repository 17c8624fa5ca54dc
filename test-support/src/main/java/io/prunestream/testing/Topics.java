package io.prunestream.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reading a topic as its consumers must: committed records only, to the end. */
public final class Topics {
    private Topics() {}

    /** How long {@link #readCommitted} waits for the records it was told to expect. */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Every record of every partition of {@code topic} that a {@code read_committed} consumer sees
     * (transactions that were aborted or are still open are not seen), in partition then offset
     * order. Reads until it has at least {@code atLeast} records and has reached the end of each
     * partition, so records beyond the expected ones are returned too and fail a size check; gives
     * up after {@link #READ_TIMEOUT} and returns what it read.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(
            String servers, String topic, int atLeast) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        Map<String, Object> config =
                Map.of(
                        CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                        servers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed");
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(
                        config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts =
                    c.partitionsFor(topic).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .sorted(Comparator.comparingInt(TopicPartition::partition))
                            .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                // read_committed: the end is the last stable offset (transaction markers included)
                Map<TopicPartition, Long> end = c.endOffsets(parts);
                if (out.size() >= atLeast
                        && parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) {
                    break;
                }
            }
        }
        out.sort(
                Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
                        .thenComparingLong(ConsumerRecord::offset));
        return out;
    }

    /** The last value of header {@code name} as UTF-8, or null when the record has none. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
