package io.prunestream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.connectors.record.RecordValidator;
import io.prunestream.connectors.record.RejectReason;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.SampleBatchCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Deserializer and dead-letter serializer on real Kafka record objects, without a broker. */
class DeadLetterPathTest {
    private final TrainingRecordDeserializer deserializer =
            new TrainingRecordDeserializer(new RecordValidator(new int[] {1, 2, 2}, 10));

    private static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value) {
        return new ConsumerRecord<>(
                "samples",
                3,
                42L,
                1_700_000_000_123L,
                TimestampType.CREATE_TIME,
                key == null ? -1 : key.length,
                value == null ? -1 : value.length,
                key,
                value,
                new RecordHeaders(),
                Optional.empty());
    }

    private List<IngestedRecord> deserialize(ConsumerRecord<byte[], byte[]> r) {
        List<IngestedRecord> out = new ArrayList<>();
        deserializer.deserialize(
                r,
                new Collector<>() {
                    @Override
                    public void collect(IngestedRecord record) {
                        out.add(record);
                    }

                    @Override
                    public void close() {}
                });
        return out;
    }

    @Test
    void aGoodRecordBecomesOneAcceptedBatchWithItsSource() {
        SampleBatch b = SampleBatch.ofUint8(new int[] {1, 2, 2}, new int[] {5}, new byte[4]);

        List<IngestedRecord> out = deserialize(record(new byte[] {7}, SampleBatchCodec.encode(b)));

        assertThat(out).hasSize(1);
        IngestedRecord r = out.get(0);
        assertThat(r.isAccepted()).isTrue();
        assertThat(r.batch()).isEqualTo(b);
        assertThat(r.topic()).isEqualTo("samples");
        assertThat(r.partition()).isEqualTo(3);
        assertThat(r.offset()).isEqualTo(42L);
        assertThat(r.timestamp()).isEqualTo(1_700_000_000_123L);
        assertThat(r.key()).containsExactly(7);
    }

    @Test
    void aBadRecordBecomesOneDeadLetterKeepingItsBytes() {
        byte[] value = "not a record".getBytes(StandardCharsets.UTF_8);

        List<IngestedRecord> out = deserialize(record("k".getBytes(StandardCharsets.UTF_8), value));

        assertThat(out).hasSize(1);
        DeadLetter d = out.get(0).deadLetter();
        assertThat(d.reason()).isEqualTo(RejectReason.BAD_MAGIC);
        assertThat(d.value()).isEqualTo(value);
        assertThat(d.key()).isEqualTo("k".getBytes(StandardCharsets.UTF_8));
        assertThat(d.offset()).isEqualTo(42L);
    }

    @Test
    void aTombstoneIsADeadLetterToo() {
        List<IngestedRecord> out = deserialize(record(null, null));

        assertThat(out).hasSize(1);
        assertThat(out.get(0).deadLetter().reason()).isEqualTo(RejectReason.NULL_VALUE);
        assertThat(out.get(0).deadLetter().value()).isNull();
    }

    @Test
    void deadLetterSerializerWritesTheOriginalBytesAndReasonHeaders() {
        DeadLetter d =
                new DeadLetter(
                        new byte[] {1},
                        new byte[] {2, 3},
                        "samples",
                        3,
                        42L,
                        99L,
                        RejectReason.LENGTH_MISMATCH,
                        "length: 2 bytes ...");

        ProducerRecord<byte[], byte[]> r = new DeadLetterSerializer("dlq").serialize(d, null, 5L);

        assertThat(r.topic()).isEqualTo("dlq");
        assertThat(r.key()).containsExactly(1);
        assertThat(r.value()).containsExactly(2, 3);
        assertThat(r.partition()).isNull();
        assertThat(header(r, "prunestream.reason")).isEqualTo("LENGTH_MISMATCH");
        assertThat(header(r, "prunestream.detail")).isEqualTo("length: 2 bytes ...");
        assertThat(header(r, "prunestream.source.topic")).isEqualTo("samples");
        assertThat(header(r, "prunestream.source.partition")).isEqualTo("3");
        assertThat(header(r, "prunestream.source.offset")).isEqualTo("42");
        assertThat(header(r, "prunestream.source.timestamp")).isEqualTo("99");
    }

    @Test
    void aRecordThatFitsIsWrittenWithoutTruncationHeaders() {
        byte[] value = new byte[50_000];
        new Random(1).nextBytes(value);
        ProducerRecord<byte[], byte[]> r = serialize(LIMIT, 0, new byte[] {9}, value, "d");

        assertThat(r.value()).isEqualTo(value);
        assertThat(r.headers().lastHeader(DeadLetterSerializer.HEADER_TRUNCATED)).isNull();
        assertThat(r.headers().lastHeader(DeadLetterSerializer.HEADER_ORIGINAL_SIZE)).isNull();
    }

    @Test
    void aValueOverTheLimitIsCutToWhatFitsAndTracedBySizeAndDigest() {
        byte[] value = new byte[5 * 1024 * 1024];
        new Random(2).nextBytes(value);
        ProducerRecord<byte[], byte[]> r = serialize(LIMIT, 0, new byte[] {9}, value, "d");

        assertThat(header(r, DeadLetterSerializer.HEADER_TRUNCATED)).isEqualTo("true");
        assertThat(header(r, DeadLetterSerializer.HEADER_ORIGINAL_SIZE)).isEqualTo("5242880");
        assertThat(header(r, DeadLetterSerializer.HEADER_ORIGINAL_SHA256))
                .isEqualTo(sha256Hex(value));
        assertThat(header(r, "prunestream.source.offset")).isEqualTo("42");
        assertThat(r.key()).containsExactly(9);
        assertThat(value).startsWith(r.value());
        assertThat(producerSize(r)).isLessThanOrEqualTo(LIMIT);
        // as much as fits: the headers and Kafka's record overhead take less than 1 KiB here
        assertThat(r.value().length).isBetween(LIMIT - 1024, LIMIT);
    }

    @Test
    void aValueJustUnderTheLimitIsCutOnceTheHeadersAreAdded() {
        // key and value alone fit (the source topic took them), with the headers they do not
        byte[] value = new byte[LIMIT - 100];
        ProducerRecord<byte[], byte[]> r = serialize(LIMIT, 0, null, value, "d");

        assertThat(header(r, DeadLetterSerializer.HEADER_TRUNCATED)).isEqualTo("true");
        assertThat(header(r, DeadLetterSerializer.HEADER_ORIGINAL_SIZE))
                .isEqualTo(Integer.toString(LIMIT - 100));
        assertThat(producerSize(r)).isLessThanOrEqualTo(LIMIT);
        assertThat(r.value().length).isLessThan(LIMIT - 100);
    }

    @Test
    void aHugeKeyIsCutToo() {
        byte[] key = new byte[2 * LIMIT];
        new Random(3).nextBytes(key);
        ProducerRecord<byte[], byte[]> r = serialize(LIMIT, 0, key, null, "d");

        assertThat(r.key()).hasSize(DeadLetterSerializer.MAX_CUT_KEY_BYTES);
        assertThat(key).startsWith(r.key());
        assertThat(r.value()).isNull();
        assertThat(header(r, DeadLetterSerializer.HEADER_ORIGINAL_KEY_SIZE))
                .isEqualTo(Integer.toString(2 * LIMIT));
        assertThat(header(r, DeadLetterSerializer.HEADER_ORIGINAL_KEY_SHA256))
                .isEqualTo(sha256Hex(key));
        assertThat(r.headers().lastHeader(DeadLetterSerializer.HEADER_ORIGINAL_SIZE)).isNull();
        assertThat(producerSize(r)).isLessThanOrEqualTo(LIMIT);
    }

    @Test
    void theConfiguredPayloadSizeCutsEvenWhatWouldFit() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1
        ProducerRecord<byte[], byte[]> r =
                serialize(LIMIT, 2, null, "abc".getBytes(StandardCharsets.US_ASCII), "d");

        assertThat(r.value()).containsExactly('a', 'b');
        assertThat(header(r, DeadLetterSerializer.HEADER_ORIGINAL_SIZE)).isEqualTo("3");
        assertThat(header(r, DeadLetterSerializer.HEADER_ORIGINAL_SHA256))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void aLongDetailIsCutAndNullsPassThrough() {
        ProducerRecord<byte[], byte[]> r = serialize(LIMIT, 0, null, null, "x".repeat(70_000));

        assertThat(header(r, "prunestream.detail")).hasSize(1001).endsWith("x…");
        assertThat(r.key()).isNull();
        assertThat(r.value()).isNull();
        assertThat(r.headers().lastHeader(DeadLetterSerializer.HEADER_TRUNCATED)).isNull();
    }

    @Test
    void everySizeFitsTheSmallestLimit() {
        int limit = DeadLetterSerializer.MIN_RECORD_LIMIT;
        Random random = new Random(4);
        for (int i = 0; i < 300; i++) {
            byte[] key = random.nextInt(4) == 0 ? null : new byte[random.nextInt(3 * limit)];
            byte[] value = random.nextInt(8) == 0 ? null : new byte[random.nextInt(3 * limit)];
            ProducerRecord<byte[], byte[]> r =
                    serialize(limit, 0, key, value, "é".repeat(random.nextInt(2000)));
            assertThat(producerSize(r))
                    .as("key %s, value %s", len(key), len(value))
                    .isLessThanOrEqualTo(limit);
        }
        assertThatThrownBy(() -> new DeadLetterSerializer("dlq", limit - 1, 0))
                .hasMessageContaining("expected at least 16384");
    }

    private static final int LIMIT = 1024 * 1024;

    private static ProducerRecord<byte[], byte[]> serialize(
            int limit, int maxPayload, byte[] key, byte[] value, String detail) {
        DeadLetter d =
                new DeadLetter(
                        key, value, "samples", 3, 42L, 99L, RejectReason.LENGTH_MISMATCH, detail);
        return new DeadLetterSerializer("dlq", limit, maxPayload).serialize(d, null, 5L);
    }

    /** What Kafka's producer compares with max.request.size. */
    private static int producerSize(ProducerRecord<byte[], byte[]> r) {
        return AbstractRecords.estimateSizeInBytesUpperBound(
                RecordBatch.CURRENT_MAGIC_VALUE,
                CompressionType.NONE,
                r.key(),
                r.value(),
                r.headers().toArray());
    }

    private static String sha256Hex(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static int len(byte[] b) {
        return b == null ? -1 : b.length;
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
