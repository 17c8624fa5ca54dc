package io.prunestream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.schedule.PenaltySchedule;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.schedule.ScheduleConfig;
import io.prunestream.core.schedule.ScheduleState;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.train.TrainingEvent;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.RunSettings;
import io.prunestream.job.model.ModelVersion;
import io.prunestream.job.model.Samples;
import io.prunestream.job.model.ScheduledBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Snapshot → restore → continue gives the same losses, phases and final parameters as an
 * uninterrupted run, for a GReg-1 (structured) and a GReg-2 (unstructured) run side by side, with
 * cuts before the pick, mid-growth and after pruning.
 */
class TrainerOperatorHarnessTest {

    private static KeyedOneInputStreamOperatorTestHarness<String, ScheduledBatch, TrainingEvent>
            harness(Configuration c) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new TrainerOperator(c), b -> b.batch.runId, Types.STRING);
    }

    private static List<ScheduledBatch> input(Configuration c) {
        Map<String, ScheduleConfig> sc = new HashMap<>();
        for (RunSettings r : JobConfig.runs(c)) {
            sc.put(r.id(), r.spec().schedule());
        }
        Map<String, ScheduleState> st = new HashMap<>();
        List<ScheduledBatch> out = new ArrayList<>();
        List<Samples> a = TestJobs.batches("a", 18, 8, 5);
        List<Samples> b = TestJobs.batches("b", 18, 8, 6);
        for (int i = 0; i < 18; i++) {
            for (Samples s : List.of(a.get(i), b.get(i))) {
                ScheduleState cur =
                        st.computeIfAbsent(s.runId, k -> PenaltySchedule.initial(sc.get(k)));
                out.add(new ScheduledBatch(s, cur.toBytes()));
                st.put(s.runId, PenaltySchedule.next(sc.get(s.runId), cur));
            }
        }
        return out;
    }

    private static void collect(
            List<Object> output, List<TrainingEvent> events, List<ModelVersion> versions) {
        for (Object o : output) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof TrainingEvent e) {
                events.add(e);
            }
        }
    }

    @Test
    void restoreContinuesTrainingExactly(@TempDir Path dir) throws Exception {
        Configuration straightConf = TestJobs.config(dir.resolve("straight"));
        List<ScheduledBatch> in = input(straightConf);
        List<TrainingEvent> straight = new ArrayList<>();
        List<ModelVersion> straightVersions = new ArrayList<>();
        try (var h = harness(straightConf)) {
            h.open();
            for (ScheduledBatch b : in) {
                h.processElement(b, 0);
            }
            h.endInput();
            collect(new ArrayList<>(h.getOutput()), straight, straightVersions);
            h.getSideOutput(TrainerOperator.VERSIONS)
                    .forEach(r -> straightVersions.add(r.getValue()));
        }
        assertThat(straight).extracting(TrainingEvent::phase).contains(Phase.PRUNE, Phase.FINETUNE);

        for (int cut : new int[] {3, 9, 26}) {
            Configuration conf = TestJobs.config(dir.resolve("cut" + cut));
            List<TrainingEvent> resumed = new ArrayList<>();
            List<ModelVersion> versions = new ArrayList<>();
            OperatorSubtaskState snap;
            try (var h = harness(conf)) {
                h.open();
                for (int i = 0; i < cut; i++) {
                    h.processElement(in.get(i), 0);
                }
                collect(new ArrayList<>(h.getOutput()), resumed, versions);
                snap = h.snapshot(1, 1);
            }
            try (var h = harness(conf)) {
                h.initializeState(snap);
                h.open();
                for (int i = cut; i < in.size(); i++) {
                    h.processElement(in.get(i), 0);
                }
                h.endInput();
                collect(new ArrayList<>(h.getOutput()), resumed, versions);
                h.getSideOutput(TrainerOperator.VERSIONS).forEach(r -> versions.add(r.getValue()));
            }
            assertThat(resumed)
                    .extracting(TrainingEvent::loss)
                    .as("losses, cut %d", cut)
                    .containsExactlyElementsOf(straight.stream().map(TrainingEvent::loss).toList());
            assertThat(resumed)
                    .extracting(TrainingEvent::phase)
                    .containsExactlyElementsOf(
                            straight.stream().map(TrainingEvent::phase).toList());
            assertThat(resumed)
                    .extracting(TrainingEvent::lambdaPruned)
                    .containsExactlyElementsOf(
                            straight.stream().map(TrainingEvent::lambdaPruned).toList());
            // the final published models are identical
            for (String run : List.of("a", "b")) {
                ModelVersion mine = last(versions, run);
                ModelVersion theirs = last(straightVersions, run);
                assertThat(mine.version).isEqualTo(theirs.version);
                INDArray x = Nd4j.rand(DataType.FLOAT, 3, 1, 12, 12);
                assertThat(ModelStore.load(Path.of(mine.path)).network().params())
                        .isEqualTo(ModelStore.load(Path.of(theirs.path)).network().params());
                assertThat(ModelStore.load(Path.of(mine.path)).network().output(x))
                        .isEqualTo(ModelStore.load(Path.of(theirs.path)).network().output(x));
            }
        }
        ModelVersion a = last(straightVersions, "a");
        assertThat(a.params).isLessThan(a.baseParams);
        assertThat(a.last).isTrue();
    }

    private static ModelVersion last(List<ModelVersion> vs, String run) {
        return vs.stream().filter(v -> v.runId.equals(run)).reduce((x, y) -> y).orElseThrow();
    }
}
