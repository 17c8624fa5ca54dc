package io.prunestream.connectors.kafka;

import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.SampleBatchTypeSerializer;
import io.prunestream.connectors.typeinfo.ImmutableTypeSerializer;
import io.prunestream.core.state.Codec;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Flink serializer of {@link IngestedRecord}: a tag byte, then the source fields and the batch
 * (accepted) or the dead letter, which holds the source fields itself (rejected).
 */
public final class IngestedRecordTypeSerializer extends ImmutableTypeSerializer<IngestedRecord> {
    private static final long serialVersionUID = 1L;

    public static final IngestedRecordTypeSerializer INSTANCE = new IngestedRecordTypeSerializer();

    private static final IngestedRecord PLACEHOLDER =
            IngestedRecord.rejected(DeadLetterTypeSerializer.PLACEHOLDER);

    private static final byte ACCEPTED = 0;
    private static final byte REJECTED = 1;

    @Override
    public IngestedRecord createInstance() {
        return PLACEHOLDER;
    }

    @Override
    public void serialize(IngestedRecord r, DataOutputView out) throws IOException {
        if (r.isAccepted()) {
            out.writeByte(ACCEPTED);
            StringValue.writeString(r.topic(), out);
            out.writeInt(r.partition());
            out.writeLong(r.offset());
            out.writeLong(r.timestamp());
            Codec.writeBlob(out, r.key());
            SampleBatchTypeSerializer.INSTANCE.serialize(r.batch(), out);
        } else {
            out.writeByte(REJECTED);
            DeadLetterTypeSerializer.INSTANCE.serialize(r.deadLetter(), out);
        }
    }

    @Override
    public IngestedRecord deserialize(DataInputView in) throws IOException {
        byte tag = in.readByte();
        switch (tag) {
            case ACCEPTED:
                String topic = StringValue.readString(in);
                int partition = in.readInt();
                long offset = in.readLong();
                long timestamp = in.readLong();
                byte[] key = Codec.readBlob(in);
                SampleBatch batch = SampleBatchTypeSerializer.INSTANCE.deserialize(in);
                return IngestedRecord.accepted(batch, topic, partition, offset, timestamp, key);
            case REJECTED:
                return IngestedRecord.rejected(DeadLetterTypeSerializer.INSTANCE.deserialize(in));
            default:
                throw new IOException(
                        "corrupt IngestedRecord in Flink's serialized data: tag " + tag);
        }
    }

    @Override
    public TypeSerializerSnapshot<IngestedRecord> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Stateless serializer: the snapshot only names it. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<IngestedRecord> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
