package io.prunestream.connectors.kafka;

import io.prunestream.connectors.record.RejectReason;
import io.prunestream.connectors.typeinfo.ImmutableTypeSerializer;
import io.prunestream.core.state.Codec;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/** Flink serializer of {@link DeadLetter}; the reason travels by name, so enum order is free. */
public final class DeadLetterTypeSerializer extends ImmutableTypeSerializer<DeadLetter> {
    private static final long serialVersionUID = 1L;

    public static final DeadLetterTypeSerializer INSTANCE = new DeadLetterTypeSerializer();

    static final DeadLetter PLACEHOLDER =
            new DeadLetter(null, null, "", 0, 0L, 0L, RejectReason.NULL_VALUE, "");

    @Override
    public DeadLetter createInstance() {
        return PLACEHOLDER;
    }

    @Override
    public void serialize(DeadLetter d, DataOutputView out) throws IOException {
        StringValue.writeString(d.topic(), out);
        out.writeInt(d.partition());
        out.writeLong(d.offset());
        out.writeLong(d.timestamp());
        Codec.writeBlob(out, d.key());
        Codec.writeBlob(out, d.value());
        StringValue.writeString(d.reason().name(), out);
        StringValue.writeString(d.detail(), out);
    }

    @Override
    public DeadLetter deserialize(DataInputView in) throws IOException {
        String topic = StringValue.readString(in);
        int partition = in.readInt();
        long offset = in.readLong();
        long timestamp = in.readLong();
        byte[] key = Codec.readBlob(in);
        byte[] value = Codec.readBlob(in);
        RejectReason reason = RejectReason.valueOf(StringValue.readString(in));
        String detail = StringValue.readString(in);
        return new DeadLetter(key, value, topic, partition, offset, timestamp, reason, detail);
    }

    @Override
    public TypeSerializerSnapshot<DeadLetter> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Stateless serializer: the snapshot only names it. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<DeadLetter> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
