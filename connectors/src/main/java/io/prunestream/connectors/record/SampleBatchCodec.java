package io.prunestream.connectors.record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Record format v1: the binary value of one Kafka record, big-endian.
 *
 * <pre>
 * offset        size   field
 * 0             4      magic, ASCII "PSRC"
 * 4             1      version = 1
 * 5             1      dtype: 0 = uint8, 1 = float32
 * 6             2      reserved, 0
 * 8             4      count N, int32 in 1..65535
 * 12            1      rank R of one sample, 1..4
 * 13            4*R    dims, int32 each &gt;= 1
 * 13+4R         4*N    labels, int32
 * 13+4R+4N      ...    payload: N * prod(dims) values of dtype, c-order
 * </pre>
 *
 * <pre>{@code
 * byte[] value = SampleBatchCodec.encode(batch);
 * SampleBatch back = SampleBatchCodec.decode(value); // InvalidRecordException on bad bytes
 * }</pre>
 *
 * <p>{@link #decode(byte[])} checks only the structure; {@link RecordValidator} also checks the
 * shape, labels and values against what a job expects.
 */
public final class SampleBatchCodec {
    /** Bytes 0-3 of every record. */
    public static final byte[] MAGIC = "PSRC".getBytes(StandardCharsets.US_ASCII);

    /** The format version this codec writes and reads (byte 4). */
    public static final int VERSION = 1;

    /** Bytes before the dims: magic, version, dtype, reserved, count, rank. */
    public static final int FIXED_HEADER_BYTES = 13;

    private static final int MAGIC_INT = ByteBuffer.wrap(MAGIC).getInt();

    private SampleBatchCodec() {}

    /** The record value for {@code batch}. */
    public static byte[] encode(SampleBatch batch) {
        int[] shape = batch.sampleShapeUnsafe();
        int[] labels = batch.labelsUnsafe();
        byte[] payload = batch.payloadUnsafe();
        ByteBuffer buf =
                ByteBuffer.allocate(
                        Math.toIntExact(
                                encodedSize(
                                        shape.length,
                                        labels.length,
                                        batch.sampleSize(),
                                        batch.dtype())));
        buf.putInt(MAGIC_INT);
        buf.put((byte) VERSION);
        buf.put((byte) batch.dtype().code());
        buf.putShort((short) 0);
        buf.putInt(labels.length);
        buf.put((byte) shape.length);
        for (int d : shape) {
            buf.putInt(d);
        }
        for (int l : labels) {
            buf.putInt(l);
        }
        buf.put(payload);
        return buf.array();
    }

    /** Bytes of a record holding {@code count} samples of {@code sampleSize} values each. */
    public static long encodedSize(int rank, int count, long sampleSize, DType dtype) {
        return FIXED_HEADER_BYTES
                + 4L * rank
                + 4L * count
                + (long) count * sampleSize * dtype.bytes();
    }

    /**
     * The batch in {@code value}.
     *
     * @throws InvalidRecordException when the bytes are not a well-formed v1 record; its {@link
     *     InvalidRecordException#reason()} says which check failed
     */
    public static SampleBatch decode(byte[] value) {
        Validation v = parse(value);
        if (!v.isOk()) {
            throw new InvalidRecordException(v.reason(), v.detail());
        }
        return v.batch();
    }

    /** Structural checks and decoding; never throws, whatever the bytes. */
    static Validation parse(byte[] value) {
        if (value == null) {
            return Validation.reject(
                    RejectReason.NULL_VALUE,
                    "value: null (a tombstone or an empty message), expected a PSRC record");
        }
        int n = value.length;
        if (n < MAGIC.length) {
            return tooShort(n, FIXED_HEADER_BYTES, "the fixed header");
        }
        ByteBuffer buf = ByteBuffer.wrap(value);
        int magic = buf.getInt(0);
        if (magic != MAGIC_INT) {
            return Validation.reject(
                    RejectReason.BAD_MAGIC,
                    String.format(
                            "magic (bytes 0-3): 0x%08x \"%s\", expected 0x%08x \"PSRC\"; this is"
                                    + " not a prunestream record: write values with"
                                    + " SampleBatchCodec.encode or DatasetProducer",
                            magic, printable(value, 4), MAGIC_INT));
        }
        if (n < FIXED_HEADER_BYTES) {
            return tooShort(n, FIXED_HEADER_BYTES, "the fixed header");
        }
        int version = value[4] & 0xff;
        if (version != VERSION) {
            return Validation.reject(
                    RejectReason.UNSUPPORTED_VERSION,
                    String.format(
                            "version (byte 4): %d, this reader knows version %d; produce version"
                                    + " %d records or run a job that reads version %d",
                            version, VERSION, VERSION, version));
        }
        int dtypeCode = value[5] & 0xff;
        DType dtype = DType.ofCode(dtypeCode);
        if (dtype == null) {
            return Validation.reject(
                    RejectReason.BAD_DTYPE,
                    "dtype (byte 5): " + dtypeCode + ", expected 0 (uint8) or 1 (float32)");
        }
        int reserved = buf.getShort(6) & 0xffff;
        if (reserved != 0) {
            return Validation.reject(
                    RejectReason.BAD_RESERVED,
                    String.format("reserved (bytes 6-7): 0x%04x, expected 0x0000", reserved));
        }
        int count = buf.getInt(8);
        if (count < 1 || count > SampleBatch.MAX_COUNT) {
            return outOfRange(
                    RejectReason.BAD_COUNT,
                    "count (bytes 8-11)",
                    count,
                    SampleBatch.MAX_COUNT,
                    "samples per record");
        }
        int rank = value[12] & 0xff;
        if (rank < 1 || rank > SampleBatch.MAX_RANK) {
            return outOfRange(
                    RejectReason.BAD_SHAPE,
                    "rank (byte 12)",
                    rank,
                    SampleBatch.MAX_RANK,
                    "dims of one sample");
        }
        int dimsEnd = FIXED_HEADER_BYTES + 4 * rank;
        if (n < dimsEnd) {
            return tooShort(n, dimsEnd, "the header with " + rank + " dims");
        }
        int[] shape = new int[rank];
        long sampleSize = 1;
        for (int k = 0; k < rank; k++) {
            int at = FIXED_HEADER_BYTES + 4 * k;
            shape[k] = buf.getInt(at);
            if (shape[k] < 1) {
                return Validation.reject(
                        RejectReason.BAD_SHAPE,
                        String.format(
                                "dims[%d] (bytes %d-%d): %d, expected >= 1",
                                k, at, at + 3, shape[k]));
            }
            sampleSize *= shape[k];
            if (sampleSize > Integer.MAX_VALUE) {
                return Validation.reject(
                        RejectReason.BAD_SHAPE,
                        "dims "
                                + dimsText(shape, k + 1)
                                + ": one sample would hold more than "
                                + Integer.MAX_VALUE
                                + " values");
            }
        }
        long declared = encodedSize(rank, count, sampleSize, dtype);
        if (declared != n) {
            return Validation.reject(
                    RejectReason.LENGTH_MISMATCH,
                    "length: "
                            + n
                            + " bytes, the header declares "
                            + declared
                            + " = "
                            + dimsEnd
                            + " header + "
                            + count
                            + " labels x 4 + "
                            + count
                            + " samples x "
                            + sampleSize
                            + " values x "
                            + dtype.bytes()
                            + " bytes ("
                            + dtype.name().toLowerCase(java.util.Locale.ROOT)
                            + ")");
        }
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = buf.getInt(dimsEnd + 4 * i);
        }
        int payloadAt = dimsEnd + 4 * count;
        byte[] payload = new byte[n - payloadAt];
        System.arraycopy(value, payloadAt, payload, 0, payload.length);
        return Validation.ok(new SampleBatch(shape, dtype, labels, payload, false));
    }

    private static Validation outOfRange(
            RejectReason reason, String field, int found, int max, String what) {
        return Validation.reject(
                reason, String.format("%s: %d, expected 1..%d %s", field, found, max, what));
    }

    private static Validation tooShort(int n, int needed, String what) {
        return Validation.reject(
                RejectReason.TOO_SHORT,
                "length: " + n + " bytes, expected at least " + needed + " for " + what);
    }

    static String dimsText(int[] dims, int upTo) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < upTo; k++) {
            s.append(k == 0 ? "" : "x").append(dims[k]);
        }
        return s.toString();
    }

    private static String printable(byte[] value, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(max, value.length); i++) {
            int c = value[i] & 0xff;
            s.append(c >= 0x20 && c < 0x7f && c != '"' ? (char) c : '.');
        }
        return s.toString();
    }
}
