package io.prunestream.connectors.kafka;

import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

class DeadLetterTypeSerializerTest extends SerializerTestBase<DeadLetter> {

    @Override
    protected TypeSerializer<DeadLetter> createSerializer() {
        return new DeadLetterTypeSerializer();
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<DeadLetter> getTypeClass() {
        return DeadLetter.class;
    }

    @Override
    protected DeadLetter[] getTestData() {
        return TestValues.deadLetters();
    }
}
