package io.prunestream.connectors.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.data.LabelledVectors;
import io.prunestream.core.nn.InputShape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The drift a producer makes on purpose, checked on samples small enough to write by hand. */
class DataShiftTest {
    // three 1x3x3 images: 0..8, 10..18, 20..28, labelled 0, 1, 2
    static final LabelledImages THREE = images();

    static LabelledImages images() {
        byte[] p = new byte[27];
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 9; k++) {
                p[i * 9 + k] = (byte) (10 * i + k);
            }
        }
        return new LabelledImages("t", new InputShape(1, 3, 3), 3, p, new int[] {0, 1, 2});
    }

    @Test
    void rotate90TurnsEveryImageFromTheGivenOneOn() {
        LabelledImages r = DataShift.parse("rotate90").apply(THREE, 1);
        // image 0 unchanged; image 1 turned clockwise:
        // 10 11 12      16 13 10
        // 13 14 15  ->  17 14 11
        // 16 17 18      18 15 12
        assertThat(r.imageBytes(0)).isEqualTo(THREE.imageBytes(0));
        assertThat(r.imageBytes(1)).containsExactly(16, 13, 10, 17, 14, 11, 18, 15, 12);
        assertThat(r.imageBytes(2)).containsExactly(26, 23, 20, 27, 24, 21, 28, 25, 22);
        assertThat(r.labels()).isEqualTo(THREE.labels());
        assertThat(THREE.imageBytes(1)).startsWith(10, 11); // the input is untouched
    }

    @Test
    void noiseIsTheSameOnEveryCallAndOnlyAfterTheStart() {
        DataShift n = DataShift.parse("noise:0.3");
        LabelledImages a = n.apply(THREE, 2);
        LabelledImages b = n.apply(THREE, 2);
        assertThat(a.pixels()).isEqualTo(b.pixels());
        assertThat(Arrays.copyOf(a.pixels(), 18)).isEqualTo(Arrays.copyOf(THREE.pixels(), 18));
        assertThat(a.imageBytes(2)).isNotEqualTo(THREE.imageBytes(2));
        LabelledVectors v =
                n.apply(new LabelledVectors("v", 2, new float[] {1, 2, 3, 4}, new int[] {0, 1}), 1);
        assertThat(v.values()[0]).isEqualTo(1f);
        assertThat(v.values()[2]).isNotEqualTo(3f);
    }

    @Test
    void classesKeepsOnlyTheGivenLabelsAfterTheStart() {
        LabelledImages c = DataShift.parse("classes:0-0").apply(THREE, 1);
        assertThat(c.labels()).containsExactly(0);
        LabelledImages d = DataShift.parse("classes:1-2").apply(THREE, 1);
        assertThat(d.labels()).containsExactly(0, 1, 2);
        assertThat(DataShift.parse("classes:2-2").apply(THREE, 0).labels()).containsExactly(2);
    }

    @Test
    void badShiftsSayWhatIsExpected() {
        assertThatThrownBy(() -> DataShift.parse("rotate45"))
                .hasMessageContaining("use rotate90, noise:SIGMA");
        assertThatThrownBy(() -> DataShift.parse("noise:-1")).hasMessageContaining("> 0");
        assertThatThrownBy(() -> DataShift.parse("classes:4-1"))
                .hasMessageContaining("0 <= A <= B");
        assertThatThrownBy(
                        () ->
                                DataShift.parse("rotate90")
                                        .apply(
                                                new LabelledImages(
                                                        "w",
                                                        new InputShape(1, 2, 3),
                                                        2,
                                                        new byte[6],
                                                        new int[] {0}),
                                                0))
                .hasMessageContaining("square images");
    }
}
