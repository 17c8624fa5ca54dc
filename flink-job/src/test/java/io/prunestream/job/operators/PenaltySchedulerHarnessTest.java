package io.prunestream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.schedule.ScheduleState;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.model.Samples;
import io.prunestream.job.model.ScheduledBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot, restore into a new operator, continue: the same lambda, iteration and phase. */
class PenaltySchedulerHarnessTest {

    private static KeyedOneInputStreamOperatorTestHarness<String, Samples, ScheduledBatch> harness(
            Path out) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(
                        new PenaltyScheduler(JobConfig.settings(TestJobs.config(out)))),
                s -> s.runId,
                Types.STRING);
    }

    private static List<ScheduleState> states(List<Object> output) {
        List<ScheduleState> out = new ArrayList<>();
        for (Object o : output) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof ScheduledBatch b) {
                out.add(b.schedule);
            }
        }
        return out;
    }

    @Test
    void restoreContinuesTheScheduleExactly(@TempDir Path out) throws Exception {
        List<Samples> in = new ArrayList<>();
        List<Samples> a = TestJobs.batches("a", 14, 1, 1);
        List<Samples> b = TestJobs.batches("b", 14, 1, 2);
        for (int i = 0; i < 14; i++) {
            in.add(a.get(i));
            in.add(b.get(i));
        }
        List<ScheduleState> straight;
        try (var h = harness(out)) {
            h.open();
            for (Samples s : in) {
                h.processElement(s, 0);
            }
            straight = states(new ArrayList<>(h.getOutput()));
        }
        int cut = 11;
        OperatorSubtaskState snap;
        List<ScheduleState> resumed = new ArrayList<>();
        try (var h = harness(out)) {
            h.open();
            for (int i = 0; i < cut; i++) {
                h.processElement(in.get(i), 0);
            }
            resumed.addAll(states(new ArrayList<>(h.getOutput())));
            snap = h.snapshot(1, 1);
        }
        try (var h = harness(out)) {
            h.initializeState(snap);
            h.open();
            for (int i = cut; i < in.size(); i++) {
                h.processElement(in.get(i), 0);
            }
            resumed.addAll(states(new ArrayList<>(h.getOutput())));
        }
        assertThat(resumed).isEqualTo(straight);
        // run a (GReg-1, warm-up 2, delta 0.25): iteration 13 is past the growth and the pick
        ScheduleState lastA = straight.get(26);
        assertThat(lastA.iteration()).isEqualTo(13);
        assertThat(straight.stream().filter(ScheduleState::pick).count()).isEqualTo(2);
    }
}
