package io.prunestream.connectors.kafka;

import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.SampleBatchTypeSerializer;
import java.util.function.Supplier;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.junit.jupiter.api.Nested;

/**
 * Flink's own serializer contract (copies, sequences, snapshots, Java serializability) for each
 * record type the connectors put on a stream.
 */
class RecordTypeSerializersTest {

    /** The contract for a variable-length type. */
    abstract static class Contract<T> extends SerializerTestBase<T> {
        private final Supplier<TypeSerializer<T>> serializer;
        private final Class<T> type;
        private final T[] data;

        Contract(Supplier<TypeSerializer<T>> serializer, Class<T> type, T[] data) {
            this.serializer = serializer;
            this.type = type;
            this.data = data;
        }

        @Override
        protected TypeSerializer<T> createSerializer() {
            return serializer.get();
        }

        @Override
        protected int getLength() {
            return -1;
        }

        @Override
        protected Class<T> getTypeClass() {
            return type;
        }

        @Override
        protected T[] getTestData() {
            return data;
        }
    }

    @Nested
    class SampleBatches extends Contract<SampleBatch> {
        SampleBatches() {
            super(
                    SampleBatchTypeSerializer::new,
                    SampleBatch.class,
                    new SampleBatch[] {
                        SampleBatch.ofUint8(
                                new int[] {1, 2, 2}, new int[] {3}, new byte[] {0, 1, 2, -1}),
                        SampleBatch.ofFloat32(
                                new int[] {3}, new int[] {0, 9}, new float[] {1, 2, 3, 4, 5, 6}),
                        SampleBatch.ofUint8(new int[] {1, 28, 28}, new int[] {7}, new byte[784]),
                    });
        }
    }

    @Nested
    class DeadLetters extends Contract<DeadLetter> {
        DeadLetters() {
            super(DeadLetterTypeSerializer::new, DeadLetter.class, TestValues.deadLetters());
        }
    }

    @Nested
    class IngestedRecords extends Contract<IngestedRecord> {
        IngestedRecords() {
            super(IngestedRecordTypeSerializer::new, IngestedRecord.class, TestValues.ingested());
        }
    }
}
