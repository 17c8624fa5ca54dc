package io.prunestream.connectors.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random mutations of valid records (fixed seed): the validator never throws, and its verdict is
 * the one an independent, literal reading of the format table gives ({@link #expected}). An
 * accepted record re-encodes to its own bytes.
 */
class RecordValidatorFuzzTest {
    private static final int[] SHAPE = {1, 3, 2};
    private static final int CLASSES = 5;
    private static final ValueRange RANGE = new ValueRange(-4f, 4f);
    private static final int CASES = 60_000;

    private final RecordValidator validator = new RecordValidator(SHAPE, CLASSES, RANGE);

    @Test
    void mutatedRecordsGetTheReasonTheFormatDefines() {
        Random r = new Random(20_261_126L);
        Map<RejectReason, Integer> seen = new EnumMap<>(RejectReason.class);
        int accepted = 0;
        for (int i = 0; i < CASES; i++) {
            byte[] value = mutate(validRecord(r), r);
            Validation v;
            try {
                v = validator.validate(value);
            } catch (RuntimeException e) {
                throw new AssertionError("validate threw on " + hex(value), e);
            }
            RejectReason want = expected(value);
            assertThat(v.reason()).as("reason for %s (%s)", hex(value), v).isEqualTo(want);
            if (v.isOk()) {
                accepted++;
                assertThat(SampleBatchCodec.encode(v.batch())).isEqualTo(value);
            } else {
                assertThat(v.detail()).isNotBlank();
                seen.merge(v.reason(), 1, Integer::sum);
            }
        }
        // the mutations reach every reason but NULL_VALUE (never produced here) and SHAPE_MISMATCH
        // is reached by changing dims to another valid shape
        List<RejectReason> missing = new ArrayList<>(RejectReason.recordReasons());
        missing.removeAll(seen.keySet());
        assertThat(missing).containsOnly(RejectReason.NULL_VALUE);
        assertThat(accepted).as("mutations that left a valid record").isPositive();
    }

    /** A valid record of 1..4 samples, uint8 or float32 (values inside the range). */
    private static byte[] validRecord(Random r) {
        int count = 1 + r.nextInt(4);
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = r.nextInt(CLASSES);
        }
        int n = count * 6;
        if (r.nextBoolean()) {
            byte[] pixels = new byte[n];
            r.nextBytes(pixels);
            return SampleBatchCodec.encode(SampleBatch.ofUint8(SHAPE, labels, pixels));
        }
        float[] values = new float[n];
        for (int k = 0; k < n; k++) {
            values[k] = (r.nextFloat() * 2 - 1) * 4f;
        }
        return SampleBatchCodec.encode(SampleBatch.ofFloat32(SHAPE, labels, values));
    }

    private static final int[] INTS = {
        0, 1, -1, 2, 3, 4, 5, 6, 65535, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE, 46341, 1 << 16
    };
    private static final float[] FLOATS = {
        Float.NaN,
        Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY,
        3e38f,
        -3e38f,
        Float.MAX_VALUE,
        4f,
        -4f,
        Math.nextUp(4f),
        Math.nextDown(-4f),
        -0f,
        Float.MIN_VALUE
    };

    /** One to three edits: bytes, ints at header fields, floats, inserted/removed/cut bytes. */
    private static byte[] mutate(byte[] b, Random r) {
        int edits = 1 + r.nextInt(3);
        for (int e = 0; e < edits; e++) {
            switch (r.nextInt(8)) {
                case 0 -> { // one random byte anywhere
                    if (b.length > 0) {
                        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    }
                }
                case 1 -> { // one flipped bit
                    if (b.length > 0) {
                        b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 2 -> { // an interesting int at a header field (count, dims, labels)
                    int at = new int[] {8, 13, 17, 21, 25, 29}[r.nextInt(6)];
                    if (b.length >= at + 4) {
                        ByteBuffer.wrap(b).putInt(at, INTS[r.nextInt(INTS.length)]);
                    }
                }
                case 3 -> { // rank, version or dtype byte
                    int at = new int[] {4, 5, 12}[r.nextInt(3)];
                    if (b.length > at) {
                        b[at] = (byte) INTS[r.nextInt(INTS.length)];
                    }
                }
                case 4 -> { // an interesting float at a 4-byte aligned place after the header
                    if (b.length >= 41) {
                        int at = 37 + 4 * r.nextInt((b.length - 37) / 4);
                        ByteBuffer.wrap(b).putFloat(at, FLOATS[r.nextInt(FLOATS.length)]);
                    }
                }
                case 5 -> b = Arrays.copyOf(b, r.nextInt(b.length + 1)); // cut
                case 6 -> b = Arrays.copyOf(b, b.length + 1 + r.nextInt(8)); // trailing bytes
                default -> { // another valid shape: rank 3 dims swapped or grown
                    if (b.length >= 25) {
                        ByteBuffer.wrap(b).putInt(13 + 4 * r.nextInt(3), 1 + r.nextInt(4));
                    }
                }
            }
        }
        return b;
    }

    /**
     * The reason the format table gives, read literally and with long arithmetic throughout; null
     * for a valid record. Written apart from the codec so that a shared mistake is unlikely.
     */
    static RejectReason expected(byte[] v) {
        if (v == null) {
            return RejectReason.NULL_VALUE;
        }
        long len = v.length;
        if (len < 4) {
            return RejectReason.TOO_SHORT;
        }
        if (v[0] != 'P' || v[1] != 'S' || v[2] != 'R' || v[3] != 'C') {
            return RejectReason.BAD_MAGIC;
        }
        if (len < 13) {
            return RejectReason.TOO_SHORT;
        }
        if (v[4] != 1) {
            return RejectReason.UNSUPPORTED_VERSION;
        }
        if (v[5] != 0 && v[5] != 1) {
            return RejectReason.BAD_DTYPE;
        }
        if (v[6] != 0 || v[7] != 0) {
            return RejectReason.BAD_RESERVED;
        }
        long count = int32(v, 8);
        if (count < 1 || count > 65535) {
            return RejectReason.BAD_COUNT;
        }
        int rank = v[12] & 0xff;
        if (rank < 1 || rank > 4) {
            return RejectReason.BAD_SHAPE;
        }
        if (len < 13 + 4L * rank) {
            return RejectReason.TOO_SHORT;
        }
        long values = 1;
        long[] dims = new long[rank];
        for (int k = 0; k < rank; k++) {
            dims[k] = int32(v, 13 + 4 * k);
            if (dims[k] < 1) {
                return RejectReason.BAD_SHAPE;
            }
            values *= dims[k];
            if (values > Integer.MAX_VALUE) {
                return RejectReason.BAD_SHAPE;
            }
        }
        long size = v[5] == 0 ? 1 : 4;
        if (len != 13 + 4L * rank + 4L * count + count * values * size) {
            return RejectReason.LENGTH_MISMATCH;
        }
        if (rank != SHAPE.length) {
            return RejectReason.SHAPE_MISMATCH;
        }
        for (int k = 0; k < rank; k++) {
            if (dims[k] != SHAPE[k]) {
                return RejectReason.SHAPE_MISMATCH;
            }
        }
        int labelsAt = 13 + 4 * rank;
        for (int i = 0; i < count; i++) {
            long label = int32(v, labelsAt + 4 * i);
            if (label < 0 || label >= CLASSES) {
                return RejectReason.LABEL_OUT_OF_RANGE;
            }
        }
        if (size == 4) {
            boolean outOfRange = false;
            for (long at = labelsAt + 4 * count; at < len; at += 4) {
                double f = Float.intBitsToFloat((int) int32(v, (int) at));
                if (Double.isNaN(f) || Double.isInfinite(f)) {
                    return RejectReason.NON_FINITE_VALUE;
                }
                outOfRange |= f < RANGE.min() || f > RANGE.max();
            }
            if (outOfRange) {
                return RejectReason.VALUE_OUT_OF_RANGE;
            }
        }
        return null;
    }

    private static long int32(byte[] v, int at) {
        return (v[at] << 24)
                | (v[at + 1] & 0xff) << 16
                | (v[at + 2] & 0xff) << 8
                | (v[at + 3] & 0xff);
    }

    private static String hex(byte[] v) {
        return v == null ? "null" : HexFormat.of().formatHex(v, 0, Math.min(v.length, 96));
    }
}
