package io.prunestream.monitoring.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.monitoring.report.DownsampledSeries.Mode;
import org.junit.jupiter.api.Test;

class DownsampledSeriesTest {

    @Test
    void keepsEveryPointUntilFull() {
        DownsampledSeries s = new DownsampledSeries(Mode.MEAN, 8);
        for (int i = 0; i < 7; i++) {
            s.add(i, 10 * i);
        }
        assertThat(s.x()).containsExactly(0, 1, 2, 3, 4, 5, 6);
        assertThat(s.y()).containsExactly(0, 10, 20, 30, 40, 50, 60);
    }

    @Test
    void mergesPairsWhenFull_meanByHand() {
        DownsampledSeries s = new DownsampledSeries(Mode.MEAN, 4);
        for (int i = 0; i < 4; i++) {
            s.add(i, i * i); // 0 1 4 9 -> full -> (0.5, 0.5) (2.5, 6.5), width 2
        }
        assertThat(s.bucketWidth()).isEqualTo(2);
        assertThat(s.x()).containsExactly(0.5, 2.5);
        assertThat(s.y()).containsExactly(0.5, 6.5);
        s.add(4, 16); // pending bucket of width 2 shows its mean so far
        assertThat(s.x()).containsExactly(0.5, 2.5, 4);
        assertThat(s.y()).containsExactly(0.5, 6.5, 16);
        s.add(5, 25); // bucket (4.5, 20.5) completes
        s.add(6, 36);
        assertThat(s.x()).containsExactly(0.5, 2.5, 4.5, 6);
        assertThat(s.y()).containsExactly(0.5, 6.5, 20.5, 36);
    }

    @Test
    void lastModeKeepsTheLastPointOfEachBucket() {
        DownsampledSeries s = new DownsampledSeries(Mode.LAST, 4);
        for (int i = 0; i < 8; i++) {
            s.add(i, 100 + i);
        }
        // 0..3 -> (1,101)(3,103); 4,5 -> (5,105) -> full -> (3,103)(5..) ...
        assertThat(s.points()).isLessThanOrEqualTo(4);
        assertThat(s.x()[s.points() - 1]).isEqualTo(7);
        assertThat(s.last()).isEqualTo(107);
        assertThat(s.y()).isSorted();
    }

    @Test
    void aMillionPointsStayWithinTheBoundAndSpanTheRun() {
        DownsampledSeries s = new DownsampledSeries(Mode.MEAN, 2000);
        for (int i = 0; i < 1_000_000; i++) {
            s.add(i, Math.sin(i / 1000.0));
        }
        assertThat(s.points()).isBetween(1000, 2000);
        double[] x = s.x();
        assertThat(x[0]).isLessThan(1000);
        assertThat(x[x.length - 1]).isGreaterThan(999_000);
        assertThat(x).isSorted();
        // buckets are evenly spaced
        double gap = x[1] - x[0];
        assertThat(x[x.length / 2 + 1] - x[x.length / 2]).isEqualTo(gap);
        assertThat(s.added()).isEqualTo(1_000_000);
    }

    @Test
    void nonFiniteValuesAreCountedNotStored() {
        DownsampledSeries s = new DownsampledSeries(Mode.MEAN, 4);
        s.add(0, 1);
        s.add(1, Double.NaN);
        s.add(2, Double.POSITIVE_INFINITY);
        assertThat(s.y()).containsExactly(1);
        assertThat(s.skipped()).isEqualTo(2);
    }

    @Test
    void oddOrTinyBoundsAreRejectedWithTheFix() {
        assertThatThrownBy(() -> new DownsampledSeries(Mode.MEAN, 7))
                .hasMessageContaining("maxPoints=7 must be an even number >= 4");
    }
}
