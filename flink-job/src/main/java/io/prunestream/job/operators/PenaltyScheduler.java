package io.prunestream.job.operators;

import io.prunestream.core.schedule.PruningSchedule;
import io.prunestream.core.schedule.ScheduleState;
import io.prunestream.job.config.JobSettings;
import io.prunestream.job.model.Samples;
import io.prunestream.job.model.ScheduledBatch;
import io.prunestream.job.state.StateSerializers;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Advances each run's penalty schedule by one iteration per mini-batch and attaches the state that
 * applies to the batch. The schedule is core's pure function; this operator only keeps its small
 * state (iteration, phase, lambda) in Flink state. A continuous run's schedule lives with the run
 * (its cycles start by its accuracy, which only the trainer knows): its batches, and held-out
 * samples, pass with no schedule state.
 */
public class PenaltyScheduler extends KeyedProcessFunction<String, Samples, ScheduledBatch> {
    private final JobSettings settings;
    private transient ValueState<ScheduleState> state;
    private transient ValueState<byte[]> legacy;

    public PenaltyScheduler(JobSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext ctx) {
        state =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "schedule", StateSerializers.SCHEDULE_STATE));
        // state format 1 kept the schedule state as bytes under this name
        legacy =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "schedule-state",
                                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(Samples batch, Context ctx, Collector<ScheduledBatch> out)
            throws Exception {
        if (batch.heldOut || settings.run(batch.runId).continuous()) {
            out.collect(new ScheduledBatch(batch, null));
            return;
        }
        PruningSchedule schedule = settings.run(batch.runId).spec().schedule();
        ScheduleState s = state.value();
        if (s == null) {
            byte[] old = legacy.value();
            s = old == null ? schedule.initial() : ScheduleState.CODEC.fromBytes(old);
            legacy.clear();
        }
        out.collect(new ScheduledBatch(batch, s));
        state.update(schedule.next(s));
    }
}
