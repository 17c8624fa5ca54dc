package io.prunestream.job.state;

import io.prunestream.core.state.Codec;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
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
public abstract class CodecSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    /** The codec: a constant of the value's class (codecs are not serializable themselves). */
    public abstract Codec<T> codec();

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public TypeSerializer<T> duplicate() {
        return this;
    }

    @Override
    public T copy(T from) {
        return from;
    }

    @Override
    public T copy(T from, T reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(T record, DataOutputView target) throws IOException {
        codec().writeVersioned(record, target);
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        return codec().readVersioned(source);
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
        return new CodecSerializerSnapshot<>(this);
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }
}
