package io.prunestream.connectors.typeinfo;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.util.InstantiationUtil;

/**
 * Names the serializer class and the codec version it wrote. At restore the new build's codec must
 * read that version; values carry their own version byte, so no migration is needed.
 *
 * @param <T> the value type
 */
public final class CodecSerializerSnapshot<T> implements TypeSerializerSnapshot<T> {
    private Class<? extends CodecSerializer<T>> serializerClass;
    private int codecVersion;

    /** For Flink, which reads the fields with {@link #readSnapshot}. */
    public CodecSerializerSnapshot() {}

    @SuppressWarnings("unchecked")
    CodecSerializerSnapshot(CodecSerializer<T> serializer) {
        this.serializerClass = (Class<? extends CodecSerializer<T>>) serializer.getClass();
        this.codecVersion = serializer.codec().version();
    }

    @Override
    public int getCurrentVersion() {
        return 1;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
        out.writeUTF(serializerClass.getName());
        out.writeInt(codecVersion);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader)
            throws IOException {
        String name = in.readUTF();
        try {
            serializerClass =
                    (Class<? extends CodecSerializer<T>>)
                            Class.forName(name, false, classLoader)
                                    .asSubclass(CodecSerializer.class);
        } catch (ClassNotFoundException e) {
            throw new IOException(
                    "state serializer "
                            + name
                            + " is not in this build: restore with the build"
                            + " that wrote the checkpoint",
                    e);
        }
        codecVersion = in.readInt();
    }

    @Override
    public TypeSerializer<T> restoreSerializer() {
        return InstantiationUtil.instantiate(serializerClass);
    }

    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(
            TypeSerializerSnapshot<T> oldSnapshot) {
        if (!(oldSnapshot instanceof CodecSerializerSnapshot<T> old)
                || old.serializerClass != serializerClass) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
        var codec = InstantiationUtil.instantiate(serializerClass).codec();
        return old.codecVersion >= codec.oldestReadable() && old.codecVersion <= codec.version()
                ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                : TypeSerializerSchemaCompatibility.incompatible();
    }
}
