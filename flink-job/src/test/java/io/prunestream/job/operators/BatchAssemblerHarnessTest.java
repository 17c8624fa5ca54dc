package io.prunestream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.job.model.Samples;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Mini-batches of each run's size across record boundaries, keyed by the routing keys the job uses
 * ({@link RunPlacement}, which are not the run ids); the partial batch survives snapshot → restore;
 * what is left at the end of a bounded input goes out as one smaller batch.
 *
 * <p>Every sample carries its position in its run's stream as its label and features {@code
 * [position, -position]}, so a batch's content says which samples it holds, in which order.
 */
class BatchAssemblerHarnessTest {
    private static final int MAX_PARALLELISM = 128;
    private static final Map<String, Integer> BATCH = Map.of("r50", 4, "r90", 3);
    private static final RunPlacement PLACEMENT =
            RunPlacement.plan(List.of("r50", "r90"), 2, MAX_PARALLELISM);

    private static KeyedOneInputStreamOperatorTestHarness<String, Samples, Samples> harness()
            throws Exception {
        // one subtask owning every key group, as at parallelism 1 of the job
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new BatchAssembler(BATCH), s -> s.key, Types.STRING, MAX_PARALLELISM, 1, 0);
    }

    /** Samples {@code from .. from+count-1} of a run's stream. */
    private static Samples samples(String run, int from, int count) {
        float[] f = new float[2 * count];
        int[] l = new int[count];
        for (int i = 0; i < count; i++) {
            f[2 * i] = from + i;
            f[2 * i + 1] = -(from + i);
            l[i] = from + i;
        }
        return new Samples(run, PLACEMENT.keyOf(run), count, f, l);
    }

    /** The stream: r50 as records of 3, 3, 2, 5 samples, r90 as 1, 1, 7, 2, interleaved. */
    private static List<Samples> input() {
        return List.of(
                samples("r50", 0, 3),
                samples("r90", 0, 1),
                samples("r50", 3, 3), // r50: 6 -> one batch of 4, 2 pending
                samples("r90", 1, 1), // r90: 2 pending
                samples("r50", 6, 2), // r50: 4 -> one batch, 0 pending
                samples("r90", 2, 7), // r90: 9 -> three batches of 3, 0 pending
                samples("r50", 8, 5), // r50: 5 -> one batch, 1 pending
                samples("r90", 9, 2)); // r90: 2 pending
    }

    private static List<Samples> output(
            KeyedOneInputStreamOperatorTestHarness<String, Samples, Samples> h) {
        List<Samples> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof Samples s) {
                out.add(s);
            }
        }
        return out;
    }

    /** Labels of each output batch per run, in emission order. */
    private static Map<String, List<List<Integer>>> labels(List<Samples> batches) {
        Map<String, List<List<Integer>>> out = new HashMap<>();
        for (Samples s : batches) {
            assertThat(s.labels).hasSize(s.count);
            assertThat(s.features).hasSize(2 * s.count);
            List<Integer> l = new ArrayList<>();
            for (int i = 0; i < s.count; i++) {
                // features stay paired with their label
                assertThat(s.features[2 * i]).isEqualTo((float) s.labels[i]);
                assertThat(s.features[2 * i + 1]).isEqualTo((float) -s.labels[i]);
                l.add(s.labels[i]);
            }
            out.computeIfAbsent(s.runId, k -> new ArrayList<>()).add(l);
        }
        return out;
    }

    @Test
    void theRoutingKeysAreNotTheRunIds() {
        // else this test would not show that the operator tells a key from a run id
        assertThat(PLACEMENT.keys()).containsEntry("r50", "r50");
        assertThat(PLACEMENT.keyOf("r90")).isNotEqualTo("r90");
    }

    @Test
    void cutsEachRunIntoBatchesOfItsSizeAcrossRecords() throws Exception {
        try (var h = harness()) {
            h.open();
            for (Samples s : input()) {
                h.processElement(s, 0);
            }
            assertThat(labels(output(h)))
                    .containsOnlyKeys("r50", "r90")
                    .containsEntry(
                            "r50",
                            List.of(
                                    List.of(0, 1, 2, 3),
                                    List.of(4, 5, 6, 7),
                                    List.of(8, 9, 10, 11)))
                    .containsEntry(
                            "r90", List.of(List.of(0, 1, 2), List.of(3, 4, 5), List.of(6, 7, 8)));
        }
    }

    @Test
    void aPartialBatchSurvivesSnapshotAndRestoreAndTheRestGoesOutAtTheEnd() throws Exception {
        List<Samples> in = input();
        List<Samples> straight;
        try (var h = harness()) {
            h.open();
            for (Samples s : in) {
                h.processElement(s, 0);
            }
            h.endInput();
            straight = output(h);
        }
        // cut after the fourth record: r50 holds samples 4, 5 and r90 holds 0, 1 in state only
        int cut = 4;
        OperatorSubtaskState snapshot;
        List<Samples> resumed = new ArrayList<>();
        try (var h = harness()) {
            h.open();
            for (int i = 0; i < cut; i++) {
                h.processElement(in.get(i), 0);
            }
            resumed.addAll(output(h));
            snapshot = h.snapshot(1, 1);
        }
        assertThat(labels(resumed)).containsOnlyKeys("r50");
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            for (int i = cut; i < in.size(); i++) {
                h.processElement(in.get(i), 0);
            }
            h.endInput();
            resumed.addAll(output(h));
            // nothing is left once the rest went out
            int emitted = output(h).size();
            h.endInput();
            assertThat(output(h)).hasSize(emitted);
        }

        assertThat(labels(resumed)).isEqualTo(labels(straight));
        assertThat(labels(straight))
                .containsEntry(
                        "r50",
                        List.of(
                                List.of(0, 1, 2, 3),
                                List.of(4, 5, 6, 7),
                                List.of(8, 9, 10, 11),
                                List.of(12)))
                .containsEntry(
                        "r90",
                        List.of(
                                List.of(0, 1, 2),
                                List.of(3, 4, 5),
                                List.of(6, 7, 8),
                                List.of(9, 10)));
    }

    @Test
    void aRunWithoutABatchSizeIsNamed() throws Exception {
        try (var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new BatchAssembler(BATCH), (Samples s) -> s.key, Types.STRING)) {
            h.open();
            assertThatThrownBy(
                            () ->
                                    h.processElement(
                                            new Samples("r70", "r70", 1, new float[2], new int[1]),
                                            0))
                    .hasMessageContaining("no batch size for run 'r70'");
        }
    }
}
