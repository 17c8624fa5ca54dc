package io.prunestream.connectors.kafka;

import io.prunestream.connectors.record.SampleBatch;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * What {@link TrainingSource} emits for each Kafka record: an accepted {@link SampleBatch} or a
 * {@link DeadLetter}, with the record's topic, partition, offset, timestamp and key. {@link
 * DeadLetterRouter} splits a stream of these into batches and dead letters.
 */
@TypeInfo(ConnectorTypes.IngestedRecordFactory.class)
public record IngestedRecord(
        String topic,
        int partition,
        long offset,
        long timestamp,
        byte[] key,
        SampleBatch batch,
        DeadLetter deadLetter) {

    /**
     * @param timestamp the Kafka record's timestamp, ms since the epoch
     * @param key the record key (copied), or null
     * @param batch the samples of an accepted record, else null
     * @param deadLetter why a rejected record was rejected, else null
     */
    public IngestedRecord {
        Objects.requireNonNull(topic, "topic");
        if ((batch == null) == (deadLetter == null)) {
            throw new IllegalArgumentException(
                    "a record is either accepted (a batch) or rejected (a dead letter), not "
                            + (batch == null ? "neither" : "both"));
        }
        key = key == null ? null : key.clone();
    }

    /** A record whose value decoded and validated to {@code batch}. */
    public static IngestedRecord accepted(
            SampleBatch batch,
            String topic,
            int partition,
            long offset,
            long timestamp,
            byte[] key) {
        return new IngestedRecord(
                topic,
                partition,
                offset,
                timestamp,
                key,
                Objects.requireNonNull(batch, "batch"),
                null);
    }

    /** A record that was rejected; its source fields are the dead letter's. */
    public static IngestedRecord rejected(DeadLetter deadLetter) {
        return new IngestedRecord(
                deadLetter.topic(),
                deadLetter.partition(),
                deadLetter.offset(),
                deadLetter.timestamp(),
                deadLetter.key(),
                null,
                deadLetter);
    }

    public boolean isAccepted() {
        return batch != null;
    }

    /** The samples; only for an accepted record. */
    @Override
    public SampleBatch batch() {
        return present(batch, "was rejected, it has no batch");
    }

    /** Why the record was rejected; only for a rejected record. */
    @Override
    public DeadLetter deadLetter() {
        return present(deadLetter, "was accepted, it has no dead letter");
    }

    private <T> T present(T part, String otherwise) {
        if (part == null) {
            throw new IllegalStateException(
                    String.format(
                            "record %s-%d@%d %s: check isAccepted() first",
                            topic, partition, offset, otherwise));
        }
        return part;
    }

    /** The record key (a copy), or null. */
    @Override
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IngestedRecord r
                && partition == r.partition
                && offset == r.offset
                && timestamp == r.timestamp
                && topic.equals(r.topic)
                && Arrays.equals(key, r.key)
                && Objects.equals(batch, r.batch)
                && Objects.equals(deadLetter, r.deadLetter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset);
    }

    @Override
    public String toString() {
        return "IngestedRecord["
                + topic
                + "-"
                + partition
                + "@"
                + offset
                + ", "
                + (isAccepted() ? batch : deadLetter.reason() + ": " + deadLetter.detail())
                + "]";
    }
}
