package io.prunestream.connectors.typeinfo;

import io.prunestream.core.state.Codec;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A Flink serializer for an immutable value written by one of core's versioned {@link Codec}s: each
 * value carries its version byte, so state written by an older build restores as long as the codec
 * still reads that version ({@link CodecSerializerSnapshot} checks this at restore). Subclasses
 * name the codec and have a public no-argument constructor, which the snapshot uses to recreate
 * them.
 *
 * @param <T> the value type
 */
public abstract class CodecSerializer<T> extends ImmutableTypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    /** The codec: a constant of the value's class (codecs are not serializable themselves). */
    public abstract Codec<T> codec();

    @Override
    public void serialize(T record, DataOutputView target) throws IOException {
        codec().writeVersioned(record, target);
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        return codec().readVersioned(source);
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
        return new CodecSerializerSnapshot<>(this);
    }
}
