package io.prunestream.apps.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The statistics of the table against published values (Student t quantiles as every table prints
 * them; the power of the paired t-test as R's {@code power.t.test} and SciPy's noncentral t give
 * it) and against differences worked out by hand.
 */
class PairedStatsTest {

    @Test
    void tQuantilesAreTheTabulatedOnes() {
        // t(0.975, dof): 12.706, 4.303, 2.776, 2.262, 2.045; t(0.8, 2) = 1.061
        assertThat(PairedStats.tQuantile(0.975, 1)).isCloseTo(12.706204736174694, within(1e-9));
        assertThat(PairedStats.tQuantile(0.975, 2)).isCloseTo(4.302652729749462, within(1e-9));
        assertThat(PairedStats.tQuantile(0.975, 4)).isCloseTo(2.7764451051977934, within(1e-9));
        assertThat(PairedStats.tQuantile(0.975, 9)).isCloseTo(2.262157162798205, within(1e-9));
        assertThat(PairedStats.tQuantile(0.975, 29)).isCloseTo(2.045229642132703, within(1e-9));
        assertThat(PairedStats.tQuantile(0.8, 2)).isCloseTo(1.0606601717798214, within(1e-9));
        assertThat(PairedStats.tQuantile(0.025, 4)).isCloseTo(-2.7764451051977934, within(1e-9));
        // many degrees of freedom: the normal quantile
        assertThat(PairedStats.tQuantile(0.975, 100_000)).isCloseTo(1.959982, within(1e-5));
    }

    @Test
    void powerAndTheSmallestDetectableDifferenceAreThePairedTTests() {
        // power.t.test(n = 10, delta = 1, sd = 1, type = "paired") = 0.8030969
        assertThat(PairedStats.power(1.0, 10)).isCloseTo(0.8030968566327217, within(1e-7));
        assertThat(PairedStats.power(1.0, 3)).isCloseTo(0.17925539377655153, within(1e-7));
        // power.t.test(n, sd = 1, power = 0.8, type = "paired")$delta
        assertThat(PairedStats.standardizedDetectable(2)).isCloseTo(11.549888, within(1e-5));
        assertThat(PairedStats.standardizedDetectable(3)).isCloseTo(3.2640435, within(1e-6));
        assertThat(PairedStats.standardizedDetectable(5)).isCloseTo(1.6819970, within(1e-6));
        assertThat(PairedStats.standardizedDetectable(10)).isCloseTo(0.9960014, within(1e-6));
        assertThat(PairedStats.detectable(0.002, 3)).isCloseTo(0.002 * 3.2640435, within(1e-8));
        assertThat(PairedStats.detectable(0.002, 1)).isNaN();
    }

    @Test
    void pairedDifferencesAreCalledOnlyWhenTheirIntervalExcludesZero() {
        // a - b per seed: 0.01, 0.01, 0.02 -> mean 0.013333, sd 0.0057735;
        // half-width 4.302653 * 0.0057735 / sqrt(3) = 0.0143422: [-0.0010089, 0.0276755]
        var near =
                Table1Report.Difference.of(
                        Map.of(1L, 0.90, 2L, 0.91, 3L, 0.92), Map.of(1L, 0.89, 2L, 0.90, 3L, 0.90));
        assertThat(near.difference().mean()).isCloseTo(0.04 / 3, within(1e-12));
        assertThat(near.difference().sd()).isCloseTo(Math.sqrt(1.0 / 3) / 100, within(1e-12));
        assertThat(near.interval().low()).isCloseTo(-0.0010089, within(1e-7));
        assertThat(near.interval().high()).isCloseTo(0.0276755, within(1e-7));
        assertThat(near.call()).isEqualTo(Table1Report.Call.NOT_DETECTED);
        assertThat(near.detectable()).isCloseTo(3.2640435 * 0.0057735, within(1e-6));
        assertThat(Table1Markdown.diff(near)).isEqualTo("+1.33 [-0.10, +2.77]");
        assertThat(Table1Markdown.verdict(near))
                .isEqualTo(
                        "+1.33 points, no detectable gain (95 % CI -0.10 … +2.77; with n = 3 this"
                                + " comparison detects ±1.88 points with 80 % power)");

        // 0.020, 0.021, 0.019: mean 0.02, sd 0.001, half-width 0.0024841: [0.01752, 0.02248]
        var gain =
                Table1Report.Difference.of(
                        Map.of(1L, 0.92, 2L, 0.921, 3L, 0.919), Map.of(1L, 0.9, 2L, 0.9, 3L, 0.9));
        assertThat(gain.interval().low()).isCloseTo(0.0175159, within(1e-6));
        assertThat(gain.interval().high()).isCloseTo(0.0224841, within(1e-6));
        assertThat(gain.call()).isEqualTo(Table1Report.Call.GAIN);
        assertThat(Table1Markdown.diff(gain)).isEqualTo("**+2.00 [+1.75, +2.25]**");
        assertThat(Table1Markdown.verdict(gain))
                .isEqualTo("a gain of +2.00 points (95 % CI +1.75 … +2.25)");

        var loss = Table1Report.Difference.of(Map.of(1L, 0.9, 2L, 0.9, 3L, 0.9), gainAt(0.92));
        assertThat(loss.call()).isEqualTo(Table1Report.Call.LOSS);
        assertThat(Table1Markdown.diff(loss)).isEqualTo("*-2.00 [-2.25, -1.75]*");

        // only seeds present on both sides pair up; one pair: no interval, nothing called
        var one = Table1Report.Difference.of(Map.of(1L, 0.9, 2L, 0.95), Map.of(1L, 0.8));
        assertThat(one.difference().n()).isEqualTo(1);
        assertThat(one.call()).isEqualTo(Table1Report.Call.NO_INTERVAL);
        assertThat(one.interval()).isNull();
        assertThat(Table1Markdown.diff(one)).isEqualTo("+10.00 (n = 1)");
    }

    private static Map<Long, Double> gainAt(double v) {
        return Map.of(1L, v, 2L, v + 0.001, 3L, v - 0.001);
    }
}
