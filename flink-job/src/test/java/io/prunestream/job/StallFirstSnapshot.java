package io.prunestream.job;

import io.prunestream.core.run.TrainingEvent;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * Chained to the trainer: holds up the task's first snapshot in its first attempt for a given time
 * (longer than a checkpoint timeout, or than a Kafka transaction timeout), and records the task's
 * attempt number (0 until a restart).
 */
final class StallFirstSnapshot extends RichMapFunction<TrainingEvent, TrainingEvent>
        implements CheckpointedFunction {
    static final AtomicInteger STALLED = new AtomicInteger();
    static final AtomicInteger LAST_ATTEMPT = new AtomicInteger();
    private final long stallMs;
    private transient int attempt;

    StallFirstSnapshot(long stallMs) {
        this.stallMs = stallMs;
    }

    static void reset() {
        STALLED.set(0);
        LAST_ATTEMPT.set(0);
    }

    @Override
    public void open(OpenContext context) {
        attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
        LAST_ATTEMPT.accumulateAndGet(attempt, Math::max);
    }

    @Override
    public TrainingEvent map(TrainingEvent e) {
        return e;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        if (attempt == 0 && STALLED.compareAndSet(0, 1)) {
            Thread.sleep(stallMs); // the fault injected: a snapshot slower than the timeout
        }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {}
}
