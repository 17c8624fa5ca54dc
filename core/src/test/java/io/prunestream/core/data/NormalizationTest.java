package io.prunestream.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.prunestream.core.nn.InputShape;
import org.junit.jupiter.api.Test;

/** data.normalize: (x - mean[c]) / std[c] per channel, checked against values worked by hand. */
class NormalizationTest {

    @Test
    void oneValueAppliesToEveryChannel() {
        float[] x = {0f, 0.5f, 1f, 0.25f};
        Normalization.parse("0.5/0.25").apply(x, new InputShape(1, 2, 2));
        // (0 - 0.5) / 0.25 = -2, (0.5 - 0.5) / 0.25 = 0, (1 - 0.5) / 0.25 = 2, -1
        assertThat(x).containsExactly(new float[] {-2f, 0f, 2f, -1f}, within(1e-6f));
    }

    @Test
    void oneValuePerChannelOfAnImage() {
        // two samples of 2 channels x 1 x 2: channel 0 then channel 1 of each
        float[] x = {1f, 3f, 10f, 30f, 2f, 4f, 20f, 40f};
        Normalization.parse("1,10/2,5").apply(x, new InputShape(2, 1, 2));
        // channel 0: (x - 1) / 2; channel 1: (x - 10) / 5
        assertThat(x)
                .containsExactly(new float[] {0f, 1f, 0f, 4f, 0.5f, 1.5f, 2f, 6f}, within(1e-6f));
    }

    @Test
    void oneValuePerFeatureOfAVector() {
        float[] x = {1f, 2f, 3f, 4f, 5f, 6f};
        Normalization.parse("0,1,2/1,2,4").apply(x, InputShape.vector(3));
        assertThat(x).containsExactly(new float[] {1f, 0.5f, 0.25f, 4f, 2f, 1f}, within(1e-6f));
    }

    @Test
    void noneLeavesValuesAsTheyAre() {
        float[] x = {0.1f, 0.2f};
        Normalization.parse("none").apply(x, InputShape.vector(2));
        assertThat(x).containsExactly(0.1f, 0.2f);
        assertThat(Normalization.parse("")).isEqualTo(Normalization.NONE);
        assertThat(Normalization.NONE.isNone()).isTrue();
        assertThat(Normalization.parse("0.2860/0.3530")).hasToString("0.286/0.353");
    }

    @Test
    void badFormsSayHowToWriteIt() {
        assertThatThrownBy(() -> Normalization.parse("0.5"))
                .hasMessageContaining("mean/std")
                .hasMessageContaining("0.2860/0.3530");
        assertThatThrownBy(() -> Normalization.parse("0.5,0.4/0.2"))
                .hasMessageContaining("2 means and 1 stds");
        assertThatThrownBy(() -> Normalization.parse("0.5/0"))
                .hasMessageContaining("std must be > 0");
        assertThatThrownBy(() -> Normalization.parse("a/1"))
                .hasMessageContaining("'a' is not a number");
        assertThatThrownBy(() -> Normalization.parse("1,2/3,4").check(new InputShape(3, 4, 4)))
                .hasMessageContaining("2 means/stds for samples of 3x4x4, which have 3 channels");
    }
}
