package io.prunestream.apps.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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

    @Test
    void findingsSetAGainAgainstTheLambda0ControlAndCountTheIntervals() {
        // converged GReg-2: differences 0.1, 0.2, 0.3 points against L1 (mean 0.2, sd 0.1,
        // half-width 4.303 * 0.1 / sqrt(3) = 0.248: contains 0); GReg-1: 0.2, 0.3, 0.4
        // (mean 0.3, sd 0.1: [0.052, 0.548], a gain) and 0.1, -0.1, 0.3 against lambda = 0
        // (mean 0.1, sd 0.2, half-width 0.497); (b): 1.0 on every seed (no interval)
        Table1Report.Difference g2 = diff(0.001, 0.002, 0.003);
        Table1Report.Difference g1 = diff(0.002, 0.003, 0.004);
        Table1Report.Difference g1Lambda0 = diff(0.001, -0.001, 0.003);
        Table1Report.Difference same = diff(0.01, 0.01, 0.01);
        String said =
                Table1Markdown.findings(
                        List.of(
                                row("greg1-converged", "GReg-1", true, g1, null, g1Lambda0),
                                row("greg2-converged", "GReg-2", true, g2, null, null),
                                row("greg1", "GReg-1", false, null, same, null),
                                row("greg1-lambda0-converged", "λ = 0", true, g1, null, null)));
        assertThat(said)
                .isEqualTo(
                        "- r = 0.7, converged: GReg-1 − one-shot L1 = a gain of +0.30 points (95 %"
                                + " CI +0.05 … +0.55); against the λ = 0 control (GReg-1's"
                                + " timeline without the penalty): +0.10 points (95 % CI -0.40 …"
                                + " +0.60).\n"
                                + "- r = 0.7, converged: GReg-2 − one-shot L1 = +0.20 points, no"
                                + " detectable gain (95 % CI -0.05 … +0.45; with n = 3 this"
                                + " comparison detects ±0.33 points with 80 % power).\n"
                                + "- r = 0.7, equal total steps (b): GReg-1 − one-shot L1 = +1.00"
                                + " points (n = 3, every seed the same difference: no"
                                + " interval).\n"
                                + "- 1 of these 2 intervals excludes 0; if no method differed from"
                                + " one-shot L1, chance alone would make 0.1 of 2 exclude 0 on"
                                + " average (95 % intervals, not corrected for multiple"
                                + " comparisons).\n");
    }

    /** Per-seed differences d1..d3 as accuracy pairs (0.9 + d against 0.9). */
    private static Table1Report.Difference diff(double d1, double d2, double d3) {
        return Table1Report.Difference.of(
                Map.of(1L, 0.9 + d1, 2L, 0.9 + d2, 3L, 0.9 + d3),
                Map.of(1L, 0.9, 2L, 0.9, 3L, 0.9));
    }

    private static Table1Report.Row row(
            String variant,
            String label,
            boolean converged,
            Table1Report.Difference vsOneShot,
            Table1Report.Difference vsEqualSteps,
            Table1Report.Difference vsLambda0) {
        return new Table1Report.Row(
                0.7,
                variant,
                label,
                converged,
                "pruned",
                1001,
                null,
                0,
                0,
                0,
                null,
                Map.of(),
                3,
                vsOneShot,
                vsEqualSteps,
                null,
                vsLambda0,
                null,
                null,
                Map.of(),
                null,
                Map.of(),
                true,
                null,
                null);
    }
}
