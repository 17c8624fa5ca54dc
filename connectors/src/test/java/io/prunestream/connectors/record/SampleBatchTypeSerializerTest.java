package io.prunestream.connectors.record;

import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's own serializer contract: copies, sequences, snapshots, Java serializability. */
class SampleBatchTypeSerializerTest extends SerializerTestBase<SampleBatch> {

    @Override
    protected TypeSerializer<SampleBatch> createSerializer() {
        return new SampleBatchTypeSerializer();
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<SampleBatch> getTypeClass() {
        return SampleBatch.class;
    }

    @Override
    protected SampleBatch[] getTestData() {
        return new SampleBatch[] {
            SampleBatch.ofUint8(new int[] {1, 2, 2}, new int[] {3}, new byte[] {0, 1, 2, -1}),
            SampleBatch.ofFloat32(new int[] {3}, new int[] {0, 9}, new float[] {1, 2, 3, 4, 5, 6}),
            SampleBatch.ofUint8(new int[] {1, 28, 28}, new int[] {7}, new byte[784]),
        };
    }
}
