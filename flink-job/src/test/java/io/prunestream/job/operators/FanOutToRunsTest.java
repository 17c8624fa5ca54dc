package io.prunestream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.connectors.kafka.HoldOut;
import io.prunestream.connectors.kafka.IngestedRecord;
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

    private static OneInputStreamOperatorTestHarness<IngestedRecord, Samples> harness(
            List<String> runs) throws Exception {
        return new OneInputStreamOperatorTestHarness<>(
                new StreamFlatMap<>(new FanOutToRuns(runs, M, Features.AS_IS)), M, 1, 0);
    }

    private static List<Samples> output(
            OneInputStreamOperatorTestHarness<IngestedRecord, Samples> h) {
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
            h.processElement(record(b), 0);
            return output(h);
        }
    }

    private static IngestedRecord record(SampleBatch b) {
        return IngestedRecord.accepted(b, "samples", 0, 0, 0, null);
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
            h.processElement(record(ONE), 0);
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
            h.processElement(record(ONE), 0);
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
            h.processElement(record(ONE), 0);
            assertThat(keys(output(h))).containsOnlyKeys("r90");
            third = h.snapshot(3, 3);
        }
        try (var h = harness(List.of("r50", "r90"))) {
            h.initializeState(third);
            h.open();
            h.processElement(record(ONE), 0);
            assertThat(keys(output(h))).isEqualTo(before);
        }
    }

    @Test
    void heldOutSamplesAreChosenByTheirPlaceAndNeverTrainedOn() throws Exception {
        HoldOut holdOut = new HoldOut(0.1);
        List<Samples> all = new ArrayList<>();
        int records = 1000;
        try (var h =
                new OneInputStreamOperatorTestHarness<>(
                        new StreamFlatMap<>(
                                new FanOutToRuns(List.of("a", "b"), M, Features.AS_IS, holdOut)),
                        M,
                        1,
                        0)) {
            h.open();
            for (int r = 0; r < records; r++) {
                // 8 samples; sample i's value and label say where it came from
                byte[] px = new byte[8];
                int[] labels = new int[8];
                for (int i = 0; i < 8; i++) {
                    px[i] = (byte) i;
                    labels[i] = r % 10;
                }
                SampleBatch b = SampleBatch.ofUint8(new int[] {1, 1, 1}, labels, px);
                h.processElement(IngestedRecord.accepted(b, "samples", r % 3, r, 0, null), 0);
            }
            all.addAll(output(h));
        }
        long held = 0;
        for (int r = 0; r < records; r++) {
            for (int i = 0; i < 8; i++) {
                held += holdOut.heldOut(r % 3, r, i) ? 1 : 0;
            }
        }
        // every run gets the same held-out samples, and the rest to train on: none is lost
        for (String run : List.of("a", "b")) {
            int heldOut = 0;
            int trained = 0;
            for (Samples s : all) {
                if (s.runId.equals(run)) {
                    heldOut += s.heldOut ? s.count : 0;
                    trained += s.heldOut ? 0 : s.count;
                }
            }
            assertThat(heldOut).isEqualTo(held);
            assertThat(heldOut + trained).isEqualTo(8 * records);
        }
        // a tenth, within a few standard deviations (sqrt(8000 * 0.09) = 27)
        assertThat(held).isBetween(800L - 100, 800L + 100);
        // the same place gives the same answer, another place another one
        assertThat(new HoldOut(0.1).heldOut(2, 77, 3)).isEqualTo(holdOut.heldOut(2, 77, 3));
        long differ = 0;
        for (int r = 0; r < records; r++) {
            differ += holdOut.heldOut(0, r, 0) != holdOut.heldOut(1, r, 0) ? 1 : 0;
        }
        assertThat(differ).isPositive();
    }
}
