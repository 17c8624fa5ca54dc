package io.prunestream.core.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one way state is written: a version byte, then the fields in an explicit binary layout. A
 * codec writes its current version and reads every version it lists as readable, so a build can
 * restore what an older build checkpointed. Stream processors wrap a codec in their own serializer
 * (Flink: {@code CodecSerializer}); loops call {@link #toBytes}/{@link #fromBytes}.
 *
 * @param <T> the value type
 */
public interface Codec<T> {

    /** What this codec is, for error messages (e.g. "schedule state"). */
    String name();

    /** The version {@link #write} produces. */
    int version();

    /** The oldest version {@link #read} still understands. */
    default int oldestReadable() {
        return version();
    }

    /** Writes the fields of {@code value} (without the version byte). */
    void write(T value, DataOutput out) throws IOException;

    /** Reads the fields of a value written at {@code version}. */
    T read(DataInput in, int version) throws IOException;

    /** Writes the version byte and the value. */
    default void writeVersioned(T value, DataOutput out) throws IOException {
        out.writeByte(version());
        write(value, out);
    }

    /** Reads a version byte and a value of that version. */
    default T readVersioned(DataInput in) throws IOException {
        int v = in.readUnsignedByte();
        if (v < oldestReadable() || v > version()) {
            throw new IOException(
                    name()
                            + " has format version "
                            + v
                            + ", this build reads versions "
                            + oldestReadable()
                            + " to "
                            + version()
                            + ": restore with a build that reads it");
        }
        return read(in, v);
    }

    default byte[] toBytes(T value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeVersioned(value, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    default T fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return readVersioned(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a value's fields. */
    @FunctionalInterface
    interface Writer<T> {
        void write(T value, DataOutput out) throws IOException;
    }

    /** Reads a value's fields written at a given version. */
    @FunctionalInterface
    interface Reader<T> {
        T read(DataInput in, int version) throws IOException;
    }

    /** A codec from its name, versions and the two halves of its layout. */
    static <T> Codec<T> of(
            String name, int version, int oldestReadable, Writer<T> writer, Reader<T> reader) {
        return new Codec<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int version() {
                return version;
            }

            @Override
            public int oldestReadable() {
                return oldestReadable;
            }

            @Override
            public void write(T value, DataOutput out) throws IOException {
                writer.write(value, out);
            }

            @Override
            public T read(DataInput in, int v) throws IOException {
                return reader.read(in, v);
            }
        };
    }

    /** A length-prefixed byte array; -1 stands for null. */
    static void writeBlob(DataOutput out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    static byte[] readBlob(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /** A nested value written with its own codec and version, or null. */
    static <V> void writeNullable(DataOutput out, Codec<V> codec, V value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            codec.writeVersioned(value, out);
        }
    }

    static <V> V readNullable(DataInput in, Codec<V> codec) throws IOException {
        return in.readBoolean() ? codec.readVersioned(in) : null;
    }
}
