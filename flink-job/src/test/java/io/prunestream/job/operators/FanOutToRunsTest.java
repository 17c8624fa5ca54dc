package io.prunestream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.job.model.Samples;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.junit.jupiter.api.Test;

/** One accepted record in, one {@link Samples} per run out, each with the record's samples. */
class FanOutToRunsTest {

    private static List<Samples> fanOut(List<String> runs, SampleBatch b) {
        List<Samples> out = new ArrayList<>();
        new FanOutToRuns(runs).flatMap(b, new ListCollector<>(out));
        return out;
    }

    @Test
    void aUint8RecordReachesEveryRunScaledToZeroOne() {
        // two 1x1x2 samples: pixels (0, 255) labelled 3, (51, 102) labelled 7
        SampleBatch b =
                SampleBatch.ofUint8(
                        new int[] {1, 1, 2}, new int[] {3, 7}, new byte[] {0, (byte) 255, 51, 102});

        List<Samples> out = fanOut(List.of("r50", "r90", "dense"), b);

        assertThat(out).extracting(s -> s.runId).containsExactly("r50", "r90", "dense");
        for (Samples s : out) {
            assertThat(s.count).isEqualTo(2);
            assertThat(s.sampleSize()).isEqualTo(2);
            // 51 / 255 = 0.2, 102 / 255 = 0.4
            assertThat(s.features).containsExactly(0f, 1f, 51 / 255f, 102 / 255f);
            assertThat(s.labels).containsExactly(3, 7);
        }
    }

    @Test
    void aFloatRecordKeepsItsValues() {
        SampleBatch b =
                SampleBatch.ofFloat32(
                        new int[] {1, 1, 3}, new int[] {9}, new float[] {-1.5f, 0.25f, 300f});

        List<Samples> out = fanOut(List.of("a", "b"), b);

        assertThat(out).hasSize(2);
        assertThat(out)
                .allSatisfy(
                        s -> {
                            assertThat(s.count).isEqualTo(1);
                            assertThat(s.features).containsExactly(-1.5f, 0.25f, 300f);
                            assertThat(s.labels).containsExactly(9);
                        });
    }

    @Test
    void oneRunGetsOneCopy() {
        SampleBatch b = SampleBatch.ofUint8(new int[] {1, 1, 1}, new int[] {0}, new byte[] {1});
        assertThat(fanOut(List.of("only"), b))
                .singleElement()
                .satisfies(s -> assertThat(s.runId).isEqualTo("only"));
    }
}
