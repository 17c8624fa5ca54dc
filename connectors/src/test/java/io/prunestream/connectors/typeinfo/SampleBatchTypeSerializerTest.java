package io.prunestream.connectors.typeinfo;

import io.prunestream.connectors.record.SampleBatch;
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
        return TestValues.batches();
    }
}
