package io.prunestream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.Network;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.Publication;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.schedule.ScheduleState;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.JobSettings;
import io.prunestream.job.model.Samples;
import io.prunestream.job.model.ScheduledBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Snapshot → restore → continue gives the same losses, phases, lambdas, model versions and final
 * parameters as an uninterrupted run, for a GReg-1 (structured) and a GReg-2 (unstructured) run
 * side by side, with cuts before the pick, mid-growth and after pruning. After each snapshot the
 * first operator goes on past it (publishing versions) before it "fails", so the restored one
 * replays those iterations and meets folders that exist already.
 */
class TrainerOperatorHarnessTest {

    private static KeyedOneInputStreamOperatorTestHarness<String, ScheduledBatch, TrainingEvent>
            harness(JobSettings s) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new TrainerOperator(s), b -> b.batch.key, Types.STRING);
    }

    private static List<ScheduledBatch> input(JobSettings settings) {
        Map<String, ScheduleState> st = new HashMap<>();
        List<ScheduledBatch> out = new ArrayList<>();
        List<Samples> a = TestJobs.batches("a", 18, 8, 5);
        List<Samples> b = TestJobs.batches("b", 18, 8, 6);
        for (int i = 0; i < 18; i++) {
            for (Samples s : List.of(a.get(i), b.get(i))) {
                var schedule = settings.run(s.runId).spec().schedule();
                ScheduleState cur = st.computeIfAbsent(s.runId, k -> schedule.initial());
                out.add(new ScheduledBatch(s, cur));
                st.put(s.runId, schedule.next(cur));
            }
        }
        return out;
    }

    /** Runs the harness over {@code in[from, to)}; collects events and versions. */
    private static void feed(
            KeyedOneInputStreamOperatorTestHarness<String, ScheduledBatch, TrainingEvent> h,
            List<ScheduledBatch> in,
            int from,
            int to,
            List<TrainingEvent> events,
            List<Publication> versions)
            throws Exception {
        h.getOutput().clear();
        for (int i = from; i < to; i++) {
            h.processElement(in.get(i), 0);
        }
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof TrainingEvent e) {
                events.add(e);
            }
        }
        var side = h.getSideOutput(TrainerOperator.PUBLICATIONS);
        if (side != null) {
            side.forEach(r -> versions.add(r.getValue()));
            side.clear();
        }
    }

    @Test
    void restoreContinuesTrainingExactlyAndKeepsReplayedVersions(@TempDir Path dir)
            throws Exception {
        JobSettings straightConf = JobConfig.settings(TestJobs.config(dir.resolve("straight")));
        List<ScheduledBatch> in = input(straightConf);
        List<TrainingEvent> straight = new ArrayList<>();
        List<Publication> straightVersions = new ArrayList<>();
        try (var h = harness(straightConf)) {
            h.open();
            feed(h, in, 0, in.size(), straight, straightVersions);
            h.endInput();
            h.getSideOutput(TrainerOperator.PUBLICATIONS)
                    .forEach(r -> straightVersions.add(r.getValue()));
        }
        assertThat(straight).extracting(TrainingEvent::phase).contains(Phase.PRUNE, Phase.FINETUNE);
        assertThat(straightVersions).hasSizeGreaterThan(4);

        for (int cut : new int[] {3, 9, 26}) {
            JobSettings conf = JobConfig.settings(TestJobs.config(dir.resolve("cut" + cut)));
            List<TrainingEvent> resumed = new ArrayList<>();
            List<Publication> versions = new ArrayList<>();
            List<Publication> lost = new ArrayList<>();
            OperatorSubtaskState snap;
            try (var h = harness(conf)) {
                h.open();
                feed(h, in, 0, cut, resumed, versions);
                snap = h.snapshot(1, 1);
                // goes on past the checkpoint, then fails: its work after the cut is lost
                feed(h, in, cut, Math.min(in.size(), cut + 12), new ArrayList<>(), lost);
            }
            try (var h = harness(conf)) {
                h.initializeState(snap);
                h.open();
                feed(h, in, cut, in.size(), resumed, versions);
                h.endInput();
                h.getSideOutput(TrainerOperator.PUBLICATIONS)
                        .forEach(r -> versions.add(r.getValue()));
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
            // the same numbered versions at the same iterations
            assertThat(versions)
                    .extracting(TrainerOperatorHarnessTest::name)
                    .containsExactlyElementsOf(
                            straightVersions.stream()
                                    .map(TrainerOperatorHarnessTest::name)
                                    .toList());
            // every version, replayed or not, holds what the uninterrupted run computed: what the
            // folder sink commits is the same whether or not a failure came in between
            INDArray x = Nd4j.rand(DataType.FLOAT, 3, 1, 12, 12);
            for (int i = 0; i < versions.size(); i++) {
                var mine = network(versions.get(i));
                var theirs = network(straightVersions.get(i));
                assertThat(mine.params()).isEqualTo(theirs.params());
                assertThat(mine.output(x)).isEqualTo(theirs.output(x));
            }
            if (cut == 9) {
                assertThat(lost).as("versions made after the cut, then replayed").isNotEmpty();
                assertThat(versions.stream().map(TrainerOperatorHarnessTest::name))
                        .containsAll(lost.stream().map(TrainerOperatorHarnessTest::name).toList());
            }
        }
        ModelVersion a = last(straightVersions, "a").version();
        assertThat(a.params()).isLessThan(a.baseParams());
        assertThat(a.last()).isTrue();
        RunSettings b = straightConf.run("b");
        assertThat(b.spec().granularity().toString()).isEqualTo("weight");
    }

    private static Publication last(List<Publication> vs, String run) {
        return vs.stream()
                .filter(v -> v.version().runId().equals(run))
                .reduce((x, y) -> y)
                .orElseThrow();
    }

    private static String name(Publication p) {
        ModelVersion v = p.version();
        return v.runId() + "/" + v.version() + "@" + v.iteration();
    }

    private static Network network(Publication p) {
        return Network.fromBytes(
                p.model(), p.version().report().graph(), new InputShape(1, 12, 12));
    }
}
