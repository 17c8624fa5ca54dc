package io.prunestream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.connectors.record.RecordValidator;
import io.prunestream.connectors.record.RejectReason;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.SampleBatchCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
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

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
