package io.prunestream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.job.model.Features;
import io.prunestream.job.model.Samples;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.StreamFlatMap;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * One accepted record in, one {@link Samples} per run out, each with the record's samples and its
 * run's routing key; the keys are state, so a run keeps its key when runs are added or removed.
 */
class FanOutToRunsTest {
    private static final int M = 128;

    private static OneInputStreamOperatorTestHarness<SampleBatch, Samples> harness(
            List<String> runs) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(
                new StreamFlatMap<>(new FanOutToRuns(runs, M, Features.AS_IS)), M, 1, 0);
    }

    private static List<Samples> output(OneInputStreamOperatorTestHarness<SampleBatch, Samples> h) {
        List<Samples> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof Samples s) {
                out.add(s);
            }
        }
        return out;
    }

    private static List<Samples> fanOut(List<String> runs, SampleBatch b) throws Exception {
        try (var h = harness(runs)) {
            h.open();
            h.processElement(b, 0);
            return output(h);
        }
    }

    private static final SampleBatch ONE =
            SampleBatch.ofUint8(new int[] {1, 1, 1}, new int[] {0}, new byte[] {1});

    /** Run id → routing key, as the fan-out sends them. */
    private static Map<String, String> keys(List<Samples> out) {
        Map<String, String> keys = new TreeMap<>();
        out.forEach(s -> keys.put(s.runId, s.key));
        return keys;
    }

    @Test
    void aUint8RecordReachesEveryRunScaledToZeroOne() throws Exception {
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
        assertThat(keys(out))
                .isEqualTo(RunPlacement.plan(List.of("r50", "r90", "dense"), 1, M).keys());
    }

    @Test
    void aFloatRecordKeepsItsValues() throws Exception {
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
    void oneRunGetsOneCopy() throws Exception {
        assertThat(fanOut(List.of("only"), ONE))
                .singleElement()
                .satisfies(s -> assertThat(s.runId).isEqualTo("only"));
    }

    @Test
    void aRunKeepsItsKeyWhenRunsAreAddedOrRemovedOnRestore() throws Exception {
        OperatorSubtaskState first;
        Map<String, String> before;
        try (var h = harness(List.of("r50", "r90"))) {
            h.open();
            h.processElement(ONE, 0);
            before = keys(output(h));
            first = h.snapshot(1, 1);
        }
        // a plan made from the new run list alone would move r50 and r90 to other keys
        Map<String, String> fresh = RunPlacement.plan(List.of("r30", "r50", "r90"), 1, M).keys();
        assertThat(fresh.get("r90")).isNotEqualTo(before.get("r90"));

        OperatorSubtaskState second;
        try (var h = harness(List.of("r30", "r50", "r90"))) {
            h.initializeState(first);
            h.open();
            h.processElement(ONE, 0);
            Map<String, String> after = keys(output(h));
            assertThat(after).containsEntry("r50", before.get("r50"));
            assertThat(after).containsEntry("r90", before.get("r90"));
            assertThat(after.get("r30")).startsWith("r30");
            second = h.snapshot(2, 2);
        }
        // r50 left out, then back: the same key again
        OperatorSubtaskState third;
        try (var h = harness(List.of("r90"))) {
            h.initializeState(second);
            h.open();
            h.processElement(ONE, 0);
            assertThat(keys(output(h))).containsOnlyKeys("r90");
            third = h.snapshot(3, 3);
        }
        try (var h = harness(List.of("r50", "r90"))) {
            h.initializeState(third);
            h.open();
            h.processElement(ONE, 0);
            assertThat(keys(output(h))).isEqualTo(before);
        }
    }
}
