package io.prunestream.connectors.kafka;

import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

class IngestedRecordTypeSerializerTest extends SerializerTestBase<IngestedRecord> {

    @Override
    protected TypeSerializer<IngestedRecord> createSerializer() {
        return new IngestedRecordTypeSerializer();
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<IngestedRecord> getTypeClass() {
        return IngestedRecord.class;
    }

    @Override
    protected IngestedRecord[] getTestData() {
        return TestValues.ingested();
    }
}
