package io.prunestream.apps.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.apps.experiment.PlateauRule.Next;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rule that ends a base's and a converged fine-tune's stages, on sequences worked by hand. */
class PlateauRuleTest {

    @Test
    void aStageEndsWhenTheLastEvaluationsDoNotBeatTheEarlierBest() {
        // patience 2: the best of the last two (0.8505) beats the earlier best 0.85 by 0.0005
        assertThat(PlateauRule.plateaued(List.of(0.80, 0.85, 0.8505, 0.849), 2, 0.001)).isTrue();
        // 0.86 beats 0.85 by a point: still improving
        assertThat(PlateauRule.plateaued(List.of(0.80, 0.85, 0.86, 0.849), 2, 0.001)).isFalse();
        // half of min-gain better is no progress
        assertThat(PlateauRule.plateaued(List.of(0.80, 0.80, 0.8005), 2, 0.001)).isTrue();
        // fewer than patience + 1 evaluations: never a plateau
        assertThat(PlateauRule.plateaued(List.of(0.80, 0.80), 2, 0.001)).isFalse();
    }

    @Test
    void stagesFollowOneAnotherUntilTheLastPlateaus() {
        PlateauRule rule = new PlateauRule(2, 2, 0.001, 1000);
        // stage 0: 0.80, 0.85, 0.86, 0.855, 0.8605 -> the last two (best 0.8605) beat 0.86 by
        // 0.0005: plateau after 5 evaluations
        assertThat(rule.evaluated(0.80, 10)).isEqualTo(Next.SAME_STAGE);
        assertThat(rule.evaluated(0.85, 20)).isEqualTo(Next.SAME_STAGE);
        assertThat(rule.evaluated(0.86, 30)).isEqualTo(Next.SAME_STAGE);
        assertThat(rule.evaluated(0.855, 40)).isEqualTo(Next.SAME_STAGE);
        assertThat(rule.stage()).isZero();
        assertThat(rule.evaluated(0.8605, 50)).isEqualTo(Next.NEXT_STAGE);
        assertThat(rule.stage()).isEqualTo(1);
        // stage 1 compares with its own evaluations only: 0.87, 0.8704, 0.8702
        assertThat(rule.evaluated(0.87, 60)).isEqualTo(Next.SAME_STAGE);
        assertThat(rule.evaluated(0.8704, 70)).isEqualTo(Next.SAME_STAGE);
        assertThat(rule.evaluated(0.8702, 80)).isEqualTo(Next.STOP);
        assertThat(rule.evaluationsPerStage()).containsExactly(5, 3);
        assertThat(rule.curve()).hasSize(8).startsWith(0.80).endsWith(0.8702);
        assertThat(rule.hitCap()).isFalse();
    }

    @Test
    void theCapStopsWhateverTheStage() {
        PlateauRule rule = new PlateauRule(3, 2, 0.001, 30);
        assertThat(rule.evaluated(0.80, 10)).isEqualTo(Next.SAME_STAGE);
        assertThat(rule.evaluated(0.82, 20)).isEqualTo(Next.SAME_STAGE);
        assertThat(rule.evaluated(0.84, 30)).isEqualTo(Next.STOP);
        assertThat(rule.hitCap()).isTrue();
        assertThat(rule.evaluationsPerStage()).containsExactly(3);
    }
}
