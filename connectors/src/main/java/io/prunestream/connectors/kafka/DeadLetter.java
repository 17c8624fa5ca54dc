package io.prunestream.connectors.kafka;

import io.prunestream.connectors.record.RejectReason;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A Kafka record that was not accepted as training data: its original key and value bytes, where it
 * came from, and why it was rejected. {@link DeadLetterSerializer} writes it back to Kafka
 * byte-for-byte with the reason in headers. Immutable: byte arrays are copied in and out.
 */
@TypeInfo(ConnectorTypes.DeadLetterFactory.class)
public record DeadLetter(
        byte[] key,
        byte[] value,
        String topic,
        int partition,
        long offset,
        long timestamp,
        RejectReason reason,
        String detail) {

    /**
     * @param key the original key, or null
     * @param value the original value, or null (a tombstone)
     * @param timestamp the original record's timestamp, ms since the epoch
     * @param detail what was wrong: the field, the value found and what was expected
     */
    public DeadLetter {
        key = key == null ? null : key.clone();
        value = value == null ? null : value.clone();
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }

    /** The original key (a copy), or null. */
    @Override
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    /** The original value (a copy), or null. */
    @Override
    public byte[] value() {
        return value == null ? null : value.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetter d
                && partition == d.partition
                && offset == d.offset
                && timestamp == d.timestamp
                && reason == d.reason
                && topic.equals(d.topic)
                && detail.equals(d.detail)
                && Arrays.equals(key, d.key)
                && Arrays.equals(value, d.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset, reason);
    }

    @Override
    public String toString() {
        return "DeadLetter["
                + topic
                + "-"
                + partition
                + "@"
                + offset
                + ", "
                + reason
                + ": "
                + detail
                + "]";
    }
}
