package io.prunestream.connectors.kafka;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Writes a {@link DeadLetter} to the dead-letter topic: the original key and value byte-for-byte,
 * and why and where from in UTF-8 headers, so the record can be inspected or replayed as it was.
 *
 * <p>A dead letter always fits: when key, value and headers together would exceed {@code
 * recordLimit} (what the producer and the topic take), or the value exceeds {@code
 * maxPayloadBytes}, the value is cut to what fits, a key over {@value #MAX_CUT_KEY_BYTES} bytes is
 * cut to that, and headers say so ({@value #HEADER_TRUNCATED}) and carry the original size and
 * SHA-256 of what was cut. The original stays in the source topic at the offset in the headers.
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

    /** {@code true} on a dead letter whose value (or key) was cut; absent otherwise. */
    public static final String HEADER_TRUNCATED = "prunestream.truncated";

    /** On a cut record with a value: the original value's length in bytes. */
    public static final String HEADER_ORIGINAL_SIZE = "prunestream.original.size";

    /** On a cut record with a value: SHA-256 of the original value, 64 lowercase hex digits. */
    public static final String HEADER_ORIGINAL_SHA256 = "prunestream.original.sha256";

    /** On a record whose key was cut: the original key's length in bytes. */
    public static final String HEADER_ORIGINAL_KEY_SIZE = "prunestream.original.key.size";

    /** On a record whose key was cut: SHA-256 of the original key, hex. */
    public static final String HEADER_ORIGINAL_KEY_SHA256 = "prunestream.original.key.sha256";

    /** Kafka's default {@code max.request.size}, the record limit when none is given. */
    public static final int DEFAULT_RECORD_LIMIT = 1024 * 1024;

    /**
     * The smallest record limit accepted: the headers (reason, detail of at most {@value
     * #MAX_DETAIL_CHARS} characters, source, digests) and a cut key take at most a few KiB.
     */
    public static final int MIN_RECORD_LIMIT = 16 * 1024;

    /** A key longer than this is cut to it when a dead letter has to be cut. */
    public static final int MAX_CUT_KEY_BYTES = 1024;

    /** The detail header is cut to this many characters; validator details are far shorter. */
    static final int MAX_DETAIL_CHARS = 1000;

    private final String topic;
    private final int recordLimit;
    private final int maxPayloadBytes;

    /** Writes to {@code topic}, records up to {@link #DEFAULT_RECORD_LIMIT} bytes. */
    public DeadLetterSerializer(String topic) {
        this(topic, DEFAULT_RECORD_LIMIT, 0);
    }

    /**
     * @param recordLimit the most bytes one record may take as the producer counts it (key, value,
     *     headers and batch overhead): the smaller of the producer's {@code max.request.size} and
     *     the topic's {@code max.message.bytes}; at least {@value #MIN_RECORD_LIMIT}
     * @param maxPayloadBytes keep at most this many bytes of a value; 0 = as many as fit
     */
    public DeadLetterSerializer(String topic, int recordLimit, int maxPayloadBytes) {
        this.topic = Objects.requireNonNull(topic, "topic");
        if (recordLimit < MIN_RECORD_LIMIT) {
            throw new IllegalArgumentException(
                    "dead-letter record limit is "
                            + recordLimit
                            + " bytes, expected at least "
                            + MIN_RECORD_LIMIT
                            + ": raise the topic's max.message.bytes or the producer's"
                            + " max.request.size");
        }
        if (maxPayloadBytes < 0) {
            throw new IllegalArgumentException(
                    "max payload bytes is "
                            + maxPayloadBytes
                            + ", expected 0 (as many as fit) or a positive number of bytes");
        }
        this.recordLimit = recordLimit;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /** The most bytes one dead letter takes, as Kafka's producer counts them. */
    public int recordLimit() {
        return recordLimit;
    }

    /** The most bytes of a value a dead letter keeps; 0 = as many as fit. */
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            DeadLetter d, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HEADER_REASON, utf8(d.reason().name()));
        headers.add(HEADER_DETAIL, utf8(cut(d.detail())));
        headers.add(HEADER_SOURCE_TOPIC, utf8(d.topic()));
        headers.add(HEADER_SOURCE_PARTITION, utf8(Integer.toString(d.partition())));
        headers.add(HEADER_SOURCE_OFFSET, utf8(Long.toString(d.offset())));
        headers.add(HEADER_SOURCE_TIMESTAMP, utf8(Long.toString(d.timestamp())));
        byte[] key = d.key();
        byte[] value = d.value();
        boolean overPayload =
                maxPayloadBytes > 0 && value != null && value.length > maxPayloadBytes;
        if (overPayload || size(key, value, headers) > recordLimit) {
            headers.add(HEADER_TRUNCATED, utf8("true"));
            if (value != null) {
                headers.add(HEADER_ORIGINAL_SIZE, utf8(Integer.toString(value.length)));
                headers.add(HEADER_ORIGINAL_SHA256, utf8(sha256(value)));
            }
            if (key != null && key.length > MAX_CUT_KEY_BYTES) {
                headers.add(HEADER_ORIGINAL_KEY_SIZE, utf8(Integer.toString(key.length)));
                headers.add(HEADER_ORIGINAL_KEY_SHA256, utf8(sha256(key)));
                key = Arrays.copyOf(key, MAX_CUT_KEY_BYTES);
            }
            if (value != null) {
                value = fit(key, value, headers);
            }
        }
        // Partition by the original key; the broker stamps the time, so old records are not
        // deleted by retention at once (the original time is in a header).
        return new ProducerRecord<>(topic, null, null, key, value, headers);
    }

    /** The longest prefix of {@code value} (at most maxPayloadBytes) that fits the limit. */
    private byte[] fit(byte[] key, byte[] value, RecordHeaders headers) {
        int keep = maxPayloadBytes > 0 ? Math.min(value.length, maxPayloadBytes) : value.length;
        byte[] kept = Arrays.copyOf(value, keep);
        // The size is linear in the value's length up to a few bytes of varint, so this ends
        // in one or two rounds.
        for (int over = size(key, kept, headers) - recordLimit;
                over > 0;
                over = size(key, kept, headers) - recordLimit) {
            keep = Math.max(0, keep - over);
            kept = Arrays.copyOf(value, keep);
        }
        return kept;
    }

    /** The size Kafka's producer checks against max.request.size (one record in its batch). */
    static int size(byte[] key, byte[] value, RecordHeaders headers) {
        return AbstractRecords.estimateSizeInBytesUpperBound(
                RecordBatch.CURRENT_MAGIC_VALUE,
                CompressionType.NONE,
                key,
                value,
                headers.toArray());
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static String cut(String detail) {
        return detail.length() <= MAX_DETAIL_CHARS
                ? detail
                : detail.substring(0, MAX_DETAIL_CHARS) + "…";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
