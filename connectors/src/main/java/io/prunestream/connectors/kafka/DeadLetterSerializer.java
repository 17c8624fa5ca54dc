package io.prunestream.connectors.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes a {@link DeadLetter} to the dead-letter topic: the original key and value byte-for-byte,
 * and why and where from in UTF-8 headers, so the record can be inspected or replayed as it was.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;

    /** The {@link io.prunestream.connectors.record.RejectReason} name. */
    public static final String HEADER_REASON = "prunestream.reason";

    /** What was wrong: the field, the value found and what was expected. */
    public static final String HEADER_DETAIL = "prunestream.detail";

    public static final String HEADER_SOURCE_TOPIC = "prunestream.source.topic";
    public static final String HEADER_SOURCE_PARTITION = "prunestream.source.partition";
    public static final String HEADER_SOURCE_OFFSET = "prunestream.source.offset";

    /** The original record's timestamp, ms since the epoch. */
    public static final String HEADER_SOURCE_TIMESTAMP = "prunestream.source.timestamp";

    private final String topic;

    /** Writes to {@code topic}. */
    public DeadLetterSerializer(String topic) {
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            DeadLetter d, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HEADER_REASON, utf8(d.reason().name()));
        headers.add(HEADER_DETAIL, utf8(d.detail()));
        headers.add(HEADER_SOURCE_TOPIC, utf8(d.topic()));
        headers.add(HEADER_SOURCE_PARTITION, utf8(Integer.toString(d.partition())));
        headers.add(HEADER_SOURCE_OFFSET, utf8(Long.toString(d.offset())));
        headers.add(HEADER_SOURCE_TIMESTAMP, utf8(Long.toString(d.timestamp())));
        // Partition by the original key; the broker stamps the time, so old records are not
        // deleted by retention at once (the original time is in a header).
        return new ProducerRecord<>(topic, null, null, d.key(), d.value(), headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
