package io.prunestream.connectors.record;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One or more labelled samples of the same shape, as carried by one Kafka record. Immutable: the
 * constructor and the array accessors copy; {@link #label(int)}, {@link #features()} and {@link
 * #writeFeatures(int, float[], int)} read without copying the payload.
 *
 * <pre>{@code
 * SampleBatch b = SampleBatch.ofUint8(new int[] {1, 28, 28}, new int[] {3}, pixels);
 * float[] x = b.features(); // pixels / 255f, c-order, b.count() * b.sampleSize() values
 * }</pre>
 */
@TypeInfo(RecordTypes.SampleBatchFactory.class)
public final class SampleBatch {
    /** Most samples one record may carry (the count field is an int32, capped so records fit). */
    public static final int MAX_COUNT = 65535;

    /** Most dimensions one sample may have. */
    public static final int MAX_RANK = 4;

    private final int[] sampleShape;
    private final DType dtype;
    private final int[] labels;
    private final byte[] payload;
    private final int sampleSize;

    /**
     * A batch of {@code labels.length} samples.
     *
     * @param sampleShape dims of ONE sample, e.g. {1, 28, 28} for channels, height, width
     * @param dtype how {@code payload} stores the values
     * @param labels one class index per sample
     * @param payload {@code labels.length * prod(sampleShape)} values of {@code dtype}, c-order,
     *     big-endian for float32
     */
    public SampleBatch(int[] sampleShape, DType dtype, int[] labels, byte[] payload) {
        this(
                Objects.requireNonNull(sampleShape, "sampleShape").clone(),
                Objects.requireNonNull(dtype, "dtype"),
                Objects.requireNonNull(labels, "labels").clone(),
                Objects.requireNonNull(payload, "payload").clone(),
                true);
    }

    /** Takes the arrays without copying; callers hand over arrays nobody else holds. */
    SampleBatch(int[] sampleShape, DType dtype, int[] labels, byte[] payload, boolean check) {
        if (check) {
            check(sampleShape, dtype, labels, payload);
        }
        this.sampleShape = sampleShape;
        this.dtype = dtype;
        this.labels = labels;
        this.payload = payload;
        this.sampleSize = (int) product(sampleShape);
    }

    /** Samples stored as raw bytes 0..255 (e.g. image pixels). */
    public static SampleBatch ofUint8(int[] sampleShape, int[] labels, byte[] pixels) {
        return new SampleBatch(sampleShape, DType.UINT8, labels, pixels);
    }

    /** Samples stored as float32 values, used as they are. */
    public static SampleBatch ofFloat32(int[] sampleShape, int[] labels, float[] values) {
        Objects.requireNonNull(values, "values");
        ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(values.length, 4));
        buf.asFloatBuffer().put(values);
        return new SampleBatch(
                Objects.requireNonNull(sampleShape, "sampleShape").clone(),
                DType.FLOAT32,
                Objects.requireNonNull(labels, "labels").clone(),
                buf.array(),
                true);
    }

    private static void check(int[] shape, DType dtype, int[] labels, byte[] payload) {
        if (labels.length < 1 || labels.length > MAX_COUNT) {
            throw new IllegalArgumentException(
                    "labels.length (the sample count) is "
                            + labels.length
                            + ", expected 1.."
                            + MAX_COUNT
                            + ": split larger batches over several records");
        }
        if (shape.length < 1 || shape.length > MAX_RANK) {
            throw new IllegalArgumentException(
                    "sampleShape has rank "
                            + shape.length
                            + " "
                            + Arrays.toString(shape)
                            + ", expected 1.."
                            + MAX_RANK
                            + " dims of one sample, e.g. {1, 28, 28}");
        }
        for (int d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException(
                        "sampleShape " + Arrays.toString(shape) + " has a dim below 1");
            }
        }
        long expected = (long) labels.length * product(shape) * dtype.bytes();
        if (payload.length != expected) {
            throw new IllegalArgumentException(
                    "payload has "
                            + payload.length
                            + " bytes, expected "
                            + expected
                            + " = "
                            + labels.length
                            + " samples x "
                            + product(shape)
                            + " values x "
                            + dtype.bytes()
                            + " bytes ("
                            + dtype
                            + ")");
        }
    }

    static long product(int[] dims) {
        long p = 1;
        for (int d : dims) {
            p *= d;
        }
        return p;
    }

    /** Number of samples. */
    public int count() {
        return labels.length;
    }

    /** Dims of one sample (a copy). */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    /** Values per sample: the product of the sample shape. */
    public int sampleSize() {
        return sampleSize;
    }

    public DType dtype() {
        return dtype;
    }

    /** Class index of every sample (a copy). */
    public int[] labels() {
        return labels.clone();
    }

    /** Class index of sample {@code i}. */
    public int label(int i) {
        return labels[i];
    }

    /** The raw values as stored in the record (a copy). */
    public byte[] payload() {
        return payload.clone();
    }

    /** Payload length in bytes. */
    public int payloadSize() {
        return payload.length;
    }

    /** All values as floats, c-order: uint8 scaled by 1/255, float32 as is. */
    public float[] features() {
        float[] out = new float[payload.length / dtype.bytes()];
        for (int i = 0; i < count(); i++) {
            writeFeatures(i, out, i * sampleSize);
        }
        return out;
    }

    /** Writes sample {@code i}'s {@link #sampleSize()} values as floats into {@code dst}. */
    public void writeFeatures(int i, float[] dst, int dstOffset) {
        if (i < 0 || i >= count()) {
            throw new IndexOutOfBoundsException(
                    "sample " + i + " of a batch of " + count() + " samples");
        }
        int n = sampleSize;
        if (dtype == DType.UINT8) {
            int from = i * n;
            for (int k = 0; k < n; k++) {
                dst[dstOffset + k] = (payload[from + k] & 0xff) / 255f;
            }
        } else {
            ByteBuffer.wrap(payload, i * n * 4, n * 4).asFloatBuffer().get(dst, dstOffset, n);
        }
    }

    /** The payload without copying; callers must not write into it. */
    byte[] payloadUnsafe() {
        return payload;
    }

    /** The labels without copying; callers must not write into it. */
    int[] labelsUnsafe() {
        return labels;
    }

    /** The shape without copying; callers must not write into it. */
    int[] sampleShapeUnsafe() {
        return sampleShape;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SampleBatch b
                && dtype == b.dtype
                && Arrays.equals(sampleShape, b.sampleShape)
                && Arrays.equals(labels, b.labels)
                && Arrays.equals(payload, b.payload);
    }

    @Override
    public int hashCode() {
        int h = dtype.hashCode();
        h = 31 * h + Arrays.hashCode(sampleShape);
        h = 31 * h + Arrays.hashCode(labels);
        return 31 * h + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        StringBuilder s =
                new StringBuilder("SampleBatch[count=").append(count()).append(", shape=");
        for (int k = 0; k < sampleShape.length; k++) {
            s.append(k == 0 ? "" : "x").append(sampleShape[k]);
        }
        return s.append(", dtype=").append(dtype).append(']').toString();
    }
}
