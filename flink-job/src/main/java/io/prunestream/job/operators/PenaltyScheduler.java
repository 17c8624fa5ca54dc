package io.prunestream.job.operators;

import io.prunestream.core.schedule.PenaltySchedule;
import io.prunestream.core.schedule.ScheduleConfig;
import io.prunestream.core.schedule.ScheduleState;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.RunSettings;
import io.prunestream.job.model.Samples;
import io.prunestream.job.model.ScheduledBatch;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Advances each run's penalty schedule by one iteration per mini-batch and attaches the state that
 * applies to the batch. The schedule is core's pure function; this operator only keeps its small
 * state (iteration, phase, lambda) in Flink state.
 */
public class PenaltyScheduler extends KeyedProcessFunction<String, Samples, ScheduledBatch> {
    private final Configuration jobConfig;
    private transient Map<String, ScheduleConfig> schedules;
    private transient ValueState<byte[]> state;

    public PenaltyScheduler(Configuration jobConfig) {
        this.jobConfig = jobConfig;
    }

    @Override
    public void open(OpenContext ctx) {
        schedules = new HashMap<>();
        for (RunSettings r : JobConfig.runs(jobConfig)) {
            schedules.put(r.id(), r.spec().schedule());
        }
        state =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "schedule-state",
                                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(Samples batch, Context ctx, Collector<ScheduledBatch> out)
            throws Exception {
        ScheduleConfig config = schedules.get(batch.runId);
        if (config == null) {
            throw new IllegalStateException("no schedule for run '" + batch.runId + "'");
        }
        byte[] raw = state.value();
        ScheduleState s =
                raw == null ? PenaltySchedule.initial(config) : ScheduleState.fromBytes(raw);
        out.collect(new ScheduledBatch(batch, s.toBytes()));
        state.update(PenaltySchedule.next(config, s).toBytes());
    }
}
