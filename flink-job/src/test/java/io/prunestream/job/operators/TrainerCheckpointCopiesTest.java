package io.prunestream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.run.TrainingEvent;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.JobSettings;
import io.prunestream.job.model.Samples;
import io.prunestream.job.model.ScheduledBatch;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint of the trainer copies the network once: the whole checkpoint (the trainer's snapshot
 * on the task thread, then the heap backend writing it to a checkpoint file, both on the calling
 * thread in the harness) allocates less than twice the run's state. Each extra copy on the way
 * (network bytes into a buffer, the trainer state into an array, that array into the run state's)
 * is one more state's worth. The restored operator continues from the same state.
 */
class TrainerCheckpointCopiesTest {

    @Test
    void aCheckpointCopiesTheNetworkOnce(@TempDir Path dir) throws Exception {
        Configuration c = TestJobs.config(dir.resolve("out"));
        c.setString("prune.runs", "a");
        // a network whose state dwarfs everything else a checkpoint allocates
        c.setString("prune.model", "vgg");
        c.setString("prune.model.depth", "11");
        c.setString("prune.model.width", "0.5");
        JobSettings settings = JobConfig.settings(c);
        List<Samples> batches = TestJobs.batches("a", 2, 8, 7);
        var schedule = settings.run("a").spec().schedule();

        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        OperatorSubtaskState snap;
        long allocated;
        try (var h = harness(settings, dir)) {
            h.open();
            var s = schedule.initial();
            for (Samples b : batches) {
                h.processElement(new ScheduledBatch(b, s), 0);
                s = schedule.next(s);
            }
            h.snapshot(1, 1); // the first one warms up what a checkpoint runs
            h.processElement(new ScheduledBatch(TestJobs.batches("a", 3, 8, 8).get(2), s), 0);
            long before = threads.getThreadAllocatedBytes(thread);
            snap = h.snapshot(2, 2);
            allocated = threads.getThreadAllocatedBytes(thread) - before;
        }
        long state = snap.getManagedKeyedState().iterator().next().getStateSize();
        System.out.printf(
                "checkpoint of %,d bytes of state allocated %,d bytes%n", state, allocated);
        assertThat(state).as("checkpointed state").isGreaterThan(10_000_000L);
        assertThat(allocated)
                .as("bytes allocated by a checkpoint of %d bytes of state", state)
                .isLessThan(2 * state);

        try (var h = harness(settings, dir)) {
            h.initializeState(snap);
            h.open();
            h.processElement(
                    new ScheduledBatch(TestJobs.batches("a", 4, 8, 9).get(3), schedule.at(3)), 0);
            assertThat(h.extractOutputValues())
                    .extracting(TrainingEvent::iteration)
                    .containsExactly(3L);
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ScheduledBatch, TrainingEvent>
            harness(JobSettings s, Path dir) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, ScheduledBatch, TrainingEvent> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new TrainerOperator(s), b -> b.batch.key, Types.STRING);
        h.setCheckpointStorage(new FileSystemCheckpointStorage(dir.resolve("chk").toUri()));
        return h;
    }
}
