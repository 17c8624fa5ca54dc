package io.prunestream.connectors.record;

import static io.prunestream.connectors.record.Hex.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SampleBatchCodecTest {

    /** Two 1x2x2 uint8 samples with labels 3 and 7, written out byte by byte. */
    static final byte[] TWO_UINT8_SAMPLES =
            hex(
                    "50535243" // magic PSRC
                            + "01" // version
                            + "00" // dtype uint8
                            + "0000" // reserved
                            + "00000002" // count
                            + "03" // rank
                            + "00000001 00000002 00000002" // dims 1, 2, 2
                            + "00000003 00000007" // labels
                            + "00 01 02 ff" // sample 0
                            + "0a 14 1e 28"); // sample 1: 10, 20, 30, 40

    /** One float32 sample of shape {2}: 1.0 and -2.5, label 1. */
    static final byte[] ONE_FLOAT32_SAMPLE =
            hex("50535243 01 01 0000 00000001 01 00000002 00000001 3f800000 c0200000");

    @Test
    void encodesUint8BatchToTheDocumentedBytes() {
        SampleBatch b =
                SampleBatch.ofUint8(
                        new int[] {1, 2, 2},
                        new int[] {3, 7},
                        new byte[] {0, 1, 2, (byte) 255, 10, 20, 30, 40});

        assertThat(TWO_UINT8_SAMPLES).hasSize(13 + 12 + 8 + 8);
        assertThat(SampleBatchCodec.encode(b)).isEqualTo(TWO_UINT8_SAMPLES);
        assertThat(SampleBatchCodec.encodedSize(3, 2, 4, DType.UINT8)).isEqualTo(41);
    }

    @Test
    void decodesUint8BatchAndScalesBy255() {
        SampleBatch b = SampleBatchCodec.decode(TWO_UINT8_SAMPLES);

        assertThat(b.count()).isEqualTo(2);
        assertThat(b.sampleShape()).containsExactly(1, 2, 2);
        assertThat(b.sampleSize()).isEqualTo(4);
        assertThat(b.dtype()).isEqualTo(DType.UINT8);
        assertThat(b.labels()).containsExactly(3, 7);
        assertThat(b.features())
                .containsExactly(
                        0f, 1 / 255f, 2 / 255f, 1f, 10 / 255f, 20 / 255f, 30 / 255f, 40 / 255f);
    }

    @Test
    void float32RoundTripsBigEndian() {
        SampleBatch b =
                SampleBatch.ofFloat32(new int[] {2}, new int[] {1}, new float[] {1f, -2.5f});

        assertThat(SampleBatchCodec.encode(b)).isEqualTo(ONE_FLOAT32_SAMPLE);
        SampleBatch back = SampleBatchCodec.decode(ONE_FLOAT32_SAMPLE);
        assertThat(back).isEqualTo(b);
        assertThat(back.features()).containsExactly(1f, -2.5f);
    }

    @Test
    void roundTripOfARandomBatchKeepsEveryByte() {
        Random r = new Random(7);
        int[] shape = {3, 5, 4};
        int[] labels = r.ints(17, 0, 10).toArray();
        byte[] pixels = new byte[17 * 60];
        r.nextBytes(pixels);
        SampleBatch b = SampleBatch.ofUint8(shape, labels, pixels);

        SampleBatch back = SampleBatchCodec.decode(SampleBatchCodec.encode(b));

        assertThat(back).isEqualTo(b);
        assertThat(back.payload()).isEqualTo(pixels);
        float[] one = new float[60];
        back.writeFeatures(16, one, 0);
        assertThat(one[59]).isEqualTo((pixels[16 * 60 + 59] & 0xff) / 255f);
    }

    @Test
    void decodeThrowsWithTheReasonOnBadBytes() {
        assertThatThrownBy(() -> SampleBatchCodec.decode(hex("00112233 01 00 0000")))
                .isInstanceOfSatisfying(
                        InvalidRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(RejectReason.BAD_MAGIC))
                .hasMessageContaining("magic (bytes 0-3): 0x00112233");
    }

    @Test
    void batchIsImmutable() {
        int[] labels = {1};
        byte[] pixels = {5, 6};
        SampleBatch b = SampleBatch.ofUint8(new int[] {2}, labels, pixels);
        labels[0] = 9;
        pixels[0] = 9;
        b.labels()[0] = 9;
        b.payload()[0] = 9;

        assertThat(b.label(0)).isEqualTo(1);
        assertThat(b.payload()).containsExactly(5, 6);
    }

    @Test
    void constructorSaysWhatIsWrong() {
        assertThatThrownBy(() -> SampleBatch.ofUint8(new int[] {2}, new int[] {1}, new byte[3]))
                .hasMessageContaining("payload has 3 bytes, expected 2");
        assertThatThrownBy(() -> SampleBatch.ofUint8(new int[] {2}, new int[0], new byte[0]))
                .hasMessageContaining("labels.length (the sample count) is 0, expected 1..65535");
        assertThatThrownBy(
                        () ->
                                SampleBatch.ofUint8(
                                        new int[] {1, 1, 1, 1, 1}, new int[] {1}, new byte[1]))
                .hasMessageContaining("rank 5");
        assertThatThrownBy(() -> SampleBatch.ofUint8(new int[] {0}, new int[] {1}, new byte[0]))
                .hasMessageContaining("has a dim below 1");
    }
}
