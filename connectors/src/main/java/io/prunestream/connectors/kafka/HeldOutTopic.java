package io.prunestream.connectors.kafka;

import io.prunestream.connectors.record.RecordValidator;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.Validation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a held-out set from a topic: every record from the beginning up to the offsets that are
 * latest when reading starts, in the training record format. Invalid records are skipped and
 * counted in the log (they are not training data, so they go to no dead-letter topic).
 */
public final class HeldOutTopic {
    private static final Logger LOG = LoggerFactory.getLogger(HeldOutTopic.class);

    private static final Set<String> OWN_SETTINGS =
            Set.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);

    private HeldOutTopic() {}

    /** Up to {@code maxSamples} samples (whole records) of {@code topic}. */
    public static List<SampleBatch> read(
            String bootstrapServers, String topic, RecordValidator validator, int maxSamples) {
        return read(bootstrapServers, topic, validator, maxSamples, Map.of());
    }

    /**
     * Up to {@code maxSamples} samples (whole records) of {@code topic}, read by a consumer that
     * also gets {@code clientProperties} (e.g. {@code security.protocol}, {@code
     * sasl.jaas.config}); their values are never logged.
     */
    public static List<SampleBatch> read(
            String bootstrapServers,
            String topic,
            RecordValidator validator,
            int maxSamples,
            Map<String, String> clientProperties) {
        Properties p = new Properties();
        for (Map.Entry<String, String> e : clientProperties.entrySet()) {
            if (OWN_SETTINGS.contains(e.getKey())) {
                throw new IllegalArgumentException(
                        "Kafka client property '"
                                + e.getKey()
                                + "' is set by the held-out reader itself: leave it out");
            }
            p.put(e.getKey(), e.getValue());
        }
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<SampleBatch> out = new ArrayList<>();
        int samples = 0;
        int invalid = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts =
                    c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .toList();
            if (parts.isEmpty()) {
                throw new IllegalArgumentException(
                        "held-out topic '"
                                + topic
                                + "' does not exist on "
                                + bootstrapServers
                                + ": create it, or set eval.topic to empty");
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (samples < maxSamples && !reached(c, end)) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    Validation v = validator.validate(r.value());
                    if (!v.isOk()) {
                        invalid++;
                    } else if (samples < maxSamples) {
                        out.add(v.batch());
                        samples += v.batch().count();
                    }
                }
            }
        }
        if (invalid > 0) {
            LOG.warn("held-out topic '{}': skipped {} invalid records", topic, invalid);
        }
        return out;
    }

    private static boolean reached(KafkaConsumer<?, ?> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
