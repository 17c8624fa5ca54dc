package io.prunestream.core.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.train.LrSchedule;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayerRatiosTest {

    @Test
    void rulesFirstMatchThenDefaultAndTheInputLayerIsKept() {
        LayerRatios r = LayerRatios.parse("s1*=0.75,s3b?_conv1=0.32,0.5");
        assertThat(r.ratioFor("s1b0_conv1", false)).isEqualTo(0.75);
        assertThat(r.ratioFor("s3b2_conv1", false)).isEqualTo(0.32);
        assertThat(r.ratioFor("conv7", false)).isEqualTo(0.5);
        assertThat(r.ratioFor("stem_conv", true)).isZero();
        assertThat(LayerRatios.parse("stem_conv=0.2").ratioFor("stem_conv", true)).isEqualTo(0.2);
        assertThat(LayerRatios.parse(r.toString()).ratioFor("s1b0_conv1", false)).isEqualTo(0.75);
    }

    @Test
    void aGroupTakesTheFirstRuleThatNamesAnyOfItsLayers() {
        LayerRatios r = LayerRatios.parse("s3*=0.3,s1b1_conv2=0.6,0.5");
        // rules in written order: s3* comes first, whichever layer of the group it matches
        assertThat(r.ratioFor(List.of("stem_conv", "s1b1_conv2", "s3b0_conv2"), false))
                .isEqualTo(0.3);
        assertThat(r.ratioFor(List.of("stem_conv", "s1b1_conv2"), false)).isEqualTo(0.6);
        assertThat(r.ratioFor(List.of("stem_conv", "s1b0_conv2"), false)).isEqualTo(0.5);
        // a group the default leaves alone takes a ratio only from a rule naming it
        assertThat(r.ratioFor(List.of("stem_conv", "fc1"), true)).isZero();
        assertThat(r.ratioFor(List.of("fc1", "s3b0_conv2"), true)).isEqualTo(0.3);
    }

    @Test
    void prunedCountNeverEmptiesALayerAndAvoidsFloatingPointCeil() {
        assertThat(PruneSelector.prunedCount(0.7, 10)).isEqualTo(7); // 0.7*10 = 7.000000000000001
        assertThat(PruneSelector.prunedCount(0.5, 16)).isEqualTo(8);
        assertThat(PruneSelector.prunedCount(0.9, 32)).isEqualTo(29); // ceil(28.8)
        assertThat(PruneSelector.prunedCount(0.99, 4)).isEqualTo(3); // n-1
        assertThat(PruneSelector.prunedCount(0, 4)).isZero();
    }

    @Test
    void badTextNamesTheProblem() {
        assertThatThrownBy(() -> LayerRatios.parse("conv2=half"))
                .hasMessageContaining("'half' is not a number");
        assertThatThrownBy(() -> LayerRatios.parse("1.0")).hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> LrSchedule.parse("100:0.1")).hasMessageContaining("iteration 0");
    }

    @Test
    void learningRateStepsByIteration() {
        LrSchedule s = LrSchedule.parse("0:0.01,60:0.001,90:0.0001");
        assertThat(s.at(0)).isEqualTo(0.01);
        assertThat(s.at(59)).isEqualTo(0.01);
        assertThat(s.at(60)).isEqualTo(0.001);
        assertThat(s.at(1000)).isEqualTo(0.0001);
    }
}
