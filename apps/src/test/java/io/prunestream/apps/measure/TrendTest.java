package io.prunestream.apps.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrendTest {
    private static final Trend TEN_PERCENT = new Trend(0.10, 0);

    private static List<Trend.Point> series(double... values) {
        List<Trend.Point> p = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            p.add(new Trend.Point(i, values[i]));
        }
        return p;
    }

    @Test
    void slopeIsTheLeastSquaresLine() {
        // (0,1) (1,3) (2,5): exactly v = 1 + 2t
        assertThat(Trend.slope(series(1, 3, 5))).isCloseTo(2.0, within(1e-12));
        // (0,0) (1,2) (2,1): means 1 and 1; sum (t-1)(v-1) = 1 + 0 + 0, sum (t-1)^2 = 2
        assertThat(Trend.slope(series(0, 2, 1))).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void noiseAroundALevelIsFlat() {
        Trend.Verdict v = TEN_PERCENT.judge(series(10, 10, 11, 10, 10, 11, 10, 10), 0);
        assertThat(v.kind()).isEqualTo(Trend.Kind.FLAT);
        assertThat(v.firstMean()).isCloseTo(10.25, within(1e-12));
        assertThat(v.lastMean()).isCloseTo(10.25, within(1e-12));
    }

    @Test
    void aSteadyRiseGrows() {
        // v = t: halves 1.5 and 5.5; the second half rises 3 over its span; 1 per second
        Trend.Verdict v = TEN_PERCENT.judge(series(0, 1, 2, 3, 4, 5, 6, 7), 0);
        assertThat(v.kind()).isEqualTo(Trend.Kind.GROWS);
        assertThat(v.lastHalfRise()).isCloseTo(3.0, within(1e-12));
        assertThat(v.slopePerHour()).isCloseTo(3600.0, within(1e-9));
    }

    @Test
    void aRiseThatStopsLevelsOff() {
        // halves 3 and 6, but the second half is constant
        Trend.Verdict v = TEN_PERCENT.judge(series(0, 2, 4, 6, 6, 6, 6, 6), 0);
        assertThat(v.kind()).isEqualTo(Trend.Kind.LEVELS_OFF);
        assertThat(v.lastHalfRise()).isCloseTo(0.0, within(1e-12));
    }

    @Test
    void warmUpIsSkippedAndTheAbsoluteToleranceCoversSeriesNearZero() {
        // the two warm-up points (t < 2) would make it look like a fall
        Trend.Verdict v = TEN_PERCENT.judge(series(100, 100, 1, 1, 1, 1), 2);
        assertThat(v.firstMean()).isEqualTo(1.0);
        assertThat(v.kind()).isEqualTo(Trend.Kind.FLAT);
        // 0 then 2 consumer-lag records: beyond 10 % of 0, within an absolute 5
        assertThat(new Trend(0.10, 5).judge(series(0, 0, 2, 2), 0).kind())
                .isEqualTo(Trend.Kind.FLAT);
        assertThat(new Trend(0.10, 0).judge(series(0, 0, 2, 2), 0).kind())
                .isEqualTo(Trend.Kind.LEVELS_OFF);
    }

    @Test
    void tooFewSamplesAreRefused() {
        assertThatThrownBy(() -> TEN_PERCENT.judge(series(1, 2, 3, 4, 5), 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 4 samples after warm-up")
                .hasMessageContaining("got 3");
    }
}
