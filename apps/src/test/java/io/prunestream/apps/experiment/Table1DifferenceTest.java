package io.prunestream.apps.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a paired difference over seeds says, worked out by hand. */
class Table1DifferenceTest {

    @Test
    void equalDifferencesOnEverySeedGiveNoInterval() {
        // -0.09 points on both seeds: a t interval of zero width would call it a loss
        Table1Report.Difference d =
                Table1Report.Difference.of(
                        Map.of(1L, 0.9123, 2L, 0.9005), Map.of(1L, 0.9132, 2L, 0.9014));
        assertThat(d.call()).isEqualTo(Table1Report.Call.NO_INTERVAL);
        assertThat(d.interval()).isNull();
        assertThat(Table1Markdown.diff(d)).isEqualTo("-0.09 (n = 2, no spread)");
        assertThat(Table1Markdown.verdict(d))
                .isEqualTo("-0.09 points (n = 2, every seed the same difference: no interval)");
    }

    @Test
    void differentDifferencesGiveTheTInterval() {
        // differences 0.2 and 0.4 points: mean 0.3, sd 0.1414, t(0.975, 1) = 12.706: 0.3 ± 1.27
        Table1Report.Difference d =
                Table1Report.Difference.of(
                        Map.of(1L, 0.9020, 2L, 0.9040), Map.of(1L, 0.9000, 2L, 0.9000));
        assertThat(d.call()).isEqualTo(Table1Report.Call.NOT_DETECTED);
        assertThat(100 * d.interval().low())
                .isCloseTo(
                        0.3 - 12.706 * 0.1414 / Math.sqrt(2),
                        org.assertj.core.api.Assertions.within(0.01));
        assertThat(Table1Markdown.diff(d)).isEqualTo("+0.30 [-0.97, +1.57]");
    }
}
