package io.prunestream.connectors.record;

import io.prunestream.connectors.typeinfo.ImmutableTypeSerializer;
import io.prunestream.core.state.Codec;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** Writes a {@link SampleBatch} as its record-format bytes behind a length. */
public final class SampleBatchTypeSerializer extends ImmutableTypeSerializer<SampleBatch> {
    private static final long serialVersionUID = 1L;

    public static final SampleBatchTypeSerializer INSTANCE = new SampleBatchTypeSerializer();

    private static final SampleBatch PLACEHOLDER =
            SampleBatch.ofUint8(new int[] {1}, new int[] {0}, new byte[1]);

    @Override
    public SampleBatch createInstance() {
        return PLACEHOLDER;
    }

    @Override
    public void serialize(SampleBatch record, DataOutputView target) throws IOException {
        Codec.writeBlob(target, SampleBatchCodec.encode(record));
    }

    @Override
    public SampleBatch deserialize(DataInputView source) throws IOException {
        try {
            return SampleBatchCodec.decode(Codec.readBlob(source));
        } catch (InvalidRecordException e) {
            throw new IOException("corrupt SampleBatch in Flink's serialized data: " + e, e);
        }
    }

    @Override
    public TypeSerializerSnapshot<SampleBatch> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Stateless serializer: the snapshot only names it. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SampleBatch> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
