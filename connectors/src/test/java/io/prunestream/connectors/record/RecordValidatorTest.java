package io.prunestream.connectors.record;

import static io.prunestream.connectors.record.Hex.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Every reject reason from hand-written bytes; the records hold 1x2x2 samples and 10 classes. */
class RecordValidatorTest {
    private final RecordValidator validator = new RecordValidator(new int[] {1, 2, 2}, 10);

    /** Header of a one-sample uint8 1x2x2 record, up to and including the dims. */
    private static final String HEADER_1X2X2 =
            "50535243 01 00 0000 00000001 03 00000001 00000002 00000002";

    private Validation check(byte[] value, RejectReason expected) {
        Validation v = validator.validate(value);
        assertThat(v.isOk()).as("%s", v).isFalse();
        assertThat(v.reason()).as("%s", v).isEqualTo(expected);
        return v;
    }

    @Test
    void acceptsAWellFormedRecord() {
        Validation v = validator.validate(SampleBatchCodecTest.TWO_UINT8_SAMPLES);

        assertThat(v.isOk()).isTrue();
        assertThat(v.reason()).isNull();
        assertThat(v.batch().labels()).containsExactly(3, 7);
    }

    @Test
    void nullValue() {
        assertThat(check(null, RejectReason.NULL_VALUE).detail()).contains("value: null");
    }

    @Test
    void tooShort() {
        assertThat(check(hex("5053"), RejectReason.TOO_SHORT).detail())
                .isEqualTo("length: 2 bytes, expected at least 13 for the fixed header");
        assertThat(check(hex("50535243 01 00 0000"), RejectReason.TOO_SHORT).detail())
                .contains("length: 8 bytes, expected at least 13");
        // rank 3 declares 12 bytes of dims, only 4 follow
        assertThat(
                        check(
                                        hex("50535243 01 00 0000 00000001 03 00000001"),
                                        RejectReason.TOO_SHORT)
                                .detail())
                .isEqualTo("length: 17 bytes, expected at least 25 for the header with 3 dims");
    }

    @Test
    void badMagic() {
        byte[] json = "{\"x\": [1, 2, 3]}".getBytes(StandardCharsets.US_ASCII);
        assertThat(check(json, RejectReason.BAD_MAGIC).detail())
                .startsWith("magic (bytes 0-3): 0x7b227822 \"{.x.\", expected 0x50535243 \"PSRC\"");
        // three bytes: too short even for the magic
        check(hex("505352"), RejectReason.TOO_SHORT);
    }

    @Test
    void unsupportedVersion() {
        byte[] v2 = hex("50535243 02 00 0000 00000001 03 00000001 00000002 00000002");
        assertThat(check(v2, RejectReason.UNSUPPORTED_VERSION).detail())
                .startsWith("version (byte 4): 2, this reader knows version 1");
        check(hex("50535243 00 00 0000 00000001 01 00000001"), RejectReason.UNSUPPORTED_VERSION);
    }

    @Test
    void badDtype() {
        assertThat(
                        check(
                                        hex("50535243 01 07 0000 00000001 01 00000001 00000000 00"),
                                        RejectReason.BAD_DTYPE)
                                .detail())
                .isEqualTo("dtype (byte 5): 7, expected 0 (uint8) or 1 (float32)");
    }

    @Test
    void badReserved() {
        assertThat(
                        check(
                                        hex("50535243 01 00 0001 00000001 01 00000001 00000000 00"),
                                        RejectReason.BAD_RESERVED)
                                .detail())
                .isEqualTo("reserved (bytes 6-7): 0x0001, expected 0x0000");
    }

    @Test
    void badCount() {
        assertThat(
                        check(
                                        hex("50535243 01 00 0000 00000000 01 00000001"),
                                        RejectReason.BAD_COUNT)
                                .detail())
                .isEqualTo("count (bytes 8-11): 0, expected 1..65535 samples per record");
        check(hex("50535243 01 00 0000 00010000 01 00000001"), RejectReason.BAD_COUNT); // 65536
        check(hex("50535243 01 00 0000 ffffffff 01 00000001"), RejectReason.BAD_COUNT); // -1
    }

    @Test
    void badShape() {
        assertThat(check(hex("50535243 01 00 0000 00000001 00"), RejectReason.BAD_SHAPE).detail())
                .isEqualTo("rank (byte 12): 0, expected 1..4 dims of one sample");
        check(hex("50535243 01 00 0000 00000001 05"), RejectReason.BAD_SHAPE);
        assertThat(
                        check(
                                        hex("50535243 01 00 0000 00000001 02 00000001 00000000"),
                                        RejectReason.BAD_SHAPE)
                                .detail())
                .isEqualTo("dims[1] (bytes 17-20): 0, expected >= 1");
        check(hex("50535243 01 00 0000 00000001 01 fffffffe"), RejectReason.BAD_SHAPE); // -2
        // 65536 x 65536 values in one sample overflow an int
        assertThat(
                        check(
                                        hex("50535243 01 00 0000 00000001 02 00010000 00010000"),
                                        RejectReason.BAD_SHAPE)
                                .detail())
                .contains("dims 65536x65536: one sample would hold more than 2147483647 values");
    }

    @Test
    void shapeMismatch() {
        RecordValidator mnist = new RecordValidator(new int[] {1, 28, 28}, 10);
        Validation v = mnist.validate(SampleBatchCodecTest.TWO_UINT8_SAMPLES);

        assertThat(v.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
        assertThat(v.detail()).startsWith("sample shape: 1x2x2, expected 1x28x28");
    }

    @Test
    void lengthMismatch() {
        byte[] good = SampleBatchCodecTest.TWO_UINT8_SAMPLES;
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertThat(check(longer, RejectReason.LENGTH_MISMATCH).detail())
                .isEqualTo(
                        "length: 42 bytes, the header declares 41 = 25 header + 2 labels x 4 + 2"
                                + " samples x 4 values x 1 bytes (uint8)");
        check(Arrays.copyOf(good, good.length - 1), RejectReason.LENGTH_MISMATCH);
        // header only: the labels and payload are missing
        check(hex(HEADER_1X2X2), RejectReason.LENGTH_MISMATCH);
    }

    @Test
    void labelOutOfRange() {
        assertThat(
                        check(
                                        hex(HEADER_1X2X2 + "0000000a 00000000"),
                                        RejectReason.LABEL_OUT_OF_RANGE)
                                .detail())
                .isEqualTo("labels[0]: 10, expected 0..9 (classes = 10)");
        check(hex(HEADER_1X2X2 + "ffffffff 00000000"), RejectReason.LABEL_OUT_OF_RANGE);
    }

    @Test
    void nonFiniteValue() {
        String header = "50535243 01 01 0000 00000001 03 00000001 00000002 00000002 00000004";
        byte[] nan = hex(header + "3f800000 00000000 7fc00000 00000000");
        assertThat(check(nan, RejectReason.NON_FINITE_VALUE).detail())
                .isEqualTo("value 2 (sample 0, element 2): NaN, expected a finite float32");
        check(hex(header + "7f800000 00000000 00000000 00000000"), RejectReason.NON_FINITE_VALUE);
        check(hex(header + "00000000 00000000 00000000 ff800000"), RejectReason.NON_FINITE_VALUE);
        // the same bytes as uint8 are fine: 255 is a pixel value
        assertThat(validator.validate(hex(HEADER_1X2X2 + "00000004 ff800000")).isOk()).isTrue();
    }

    @Test
    void valueOutOfRange() {
        String header = "50535243 01 01 0000 00000001 03 00000001 00000002 00000002 00000004";
        // 3e38 is finite: it passed before the range check existed, and broke training
        byte[] huge = hex(header + "3f800000 7f61b1e6 00000000 00000000");
        assertThat(Float.intBitsToFloat(0x7f61b1e6)).isEqualTo(3e38f);
        assertThat(check(huge, RejectReason.VALUE_OUT_OF_RANGE).detail())
                .isEqualTo(
                        "value 1 (sample 0, element 1): 3.0E38, expected a value in [-256.0,"
                                + " 256.0]; scale the values into the range or widen the accepted"
                                + " range");
        // the bounds are inside: -256 and 256; one ulp beyond is not
        assertThat(validator.validate(hex(header + "c3800000 43800000 80000000 00000001")).isOk())
                .isTrue();
        check(hex(header + "c3800001 00000000 00000000 00000000"), RejectReason.VALUE_OUT_OF_RANGE);
        check(hex(header + "00000000 00000000 00000000 43800001"), RejectReason.VALUE_OUT_OF_RANGE);
        // a NaN anywhere wins over an earlier out-of-range value, as the reasons table orders them
        check(hex(header + "7f61b1e6 00000000 00000000 7fc00000"), RejectReason.NON_FINITE_VALUE);
    }

    @Test
    void aNarrowerRangeRejectsWhatTheDefaultAccepts() {
        RecordValidator unit =
                new RecordValidator(new int[] {1, 2, 2}, 10, ValueRange.parse("0,1"));
        String header = "50535243 01 01 0000 00000001 03 00000001 00000002 00000002 00000004";
        byte[] twos = hex(header + "40000000 00000000 00000000 00000000"); // 2.0

        assertThat(validator.validate(twos).isOk()).isTrue();
        assertThat(unit.validate(twos).reason()).isEqualTo(RejectReason.VALUE_OUT_OF_RANGE);
        // uint8 values are 0..255 by construction: the range is for float32 values
        assertThat(unit.validate(hex(HEADER_1X2X2 + "00000004 ffffffff")).isOk()).isTrue();
    }

    @Test
    void headerFieldsThatWouldOverflowIntArithmeticAreRejected() {
        // count and dims at their extremes: every product is computed without overflow
        check(hex("50535243 01 01 0000 7fffffff 01 00000001"), RejectReason.BAD_COUNT);
        check(hex("50535243 01 01 0000 80000000 01 00000001"), RejectReason.BAD_COUNT);
        check(hex("50535243 01 01 0000 00000001 ff 00000001"), RejectReason.BAD_SHAPE); // rank 255
        check(
                hex("50535243 01 01 0000 00000001 04 00000800 00000800 00000800 00000800"),
                RejectReason.BAD_SHAPE); // 2^44 values in one sample
        check(
                hex("50535243 01 01 0000 0000ffff 02 00007fff 00000001 00000000"),
                RejectReason.LENGTH_MISMATCH); // 65535 x 32767 x 4 bytes declared, 4 present
        check(hex("50535243 01 01 0000 00000001 01 80000000"), RejectReason.BAD_SHAPE);
        assertThat(
                        check(
                                        hex(HEADER_1X2X2 + "80000000 00000000"),
                                        RejectReason.LABEL_OUT_OF_RANGE)
                                .detail())
                .isEqualTo("labels[0]: -2147483648, expected 0..9 (classes = 10)");
        check(new byte[0], RejectReason.TOO_SHORT);
    }

    @Test
    void aBadValueRangeIsRefusedWithTheFormat() {
        assertThatThrownBy(() -> ValueRange.parse("256"))
                .hasMessageContaining("expected 'min,max', e.g. '-256,256'");
        assertThatThrownBy(() -> ValueRange.parse("a,1"))
                .hasMessageContaining("expected two numbers 'min,max'");
        assertThatThrownBy(() -> ValueRange.parse("1,-1"))
                .hasMessageContaining("expected two finite numbers with min <= max");
        assertThatThrownBy(() -> ValueRange.parse("-Infinity,0"))
                .hasMessageContaining("expected two finite numbers");
        assertThat(ValueRange.parse(" -256 , 256 ")).isEqualTo(ValueRange.DEFAULT);
    }

    @Test
    void refusesAMeaninglessConfiguration() {
        assertThatThrownBy(() -> new RecordValidator(new int[] {1, 28, 28}, 0))
                .hasMessageContaining("classes is 0, expected >= 1");
        assertThatThrownBy(() -> new RecordValidator(new int[0], 10))
                .hasMessageContaining("expected 1..4 dims");
        assertThatThrownBy(() -> new RecordValidator(new int[] {1, -28, 28}, 10))
                .hasMessageContaining("has a dim below 1");
    }
}
