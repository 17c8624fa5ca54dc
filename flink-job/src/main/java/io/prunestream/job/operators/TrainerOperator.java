package io.prunestream.job.operators;

import io.prunestream.core.nn.CpuBackend;
import io.prunestream.core.schedule.ScheduleState;
import io.prunestream.core.train.HeldOutSet;
import io.prunestream.core.train.TrainingEvent;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.PruneOptions;
import io.prunestream.job.config.RunSettings;
import io.prunestream.job.model.ModelVersion;
import io.prunestream.job.model.ScheduledBatch;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Trains each run on its mini-batches. The live network stays in memory per run; at every
 * checkpoint the runs that changed are written to keyed state (parameters, updater state, plan,
 * iteration, version counter), so a checkpoint taken after mini-batch k holds exactly the state
 * after k and a restore continues from there. Model versions go to a side output.
 */
public class TrainerOperator extends AbstractStreamOperator<TrainingEvent>
        implements OneInputStreamOperator<ScheduledBatch, TrainingEvent>, BoundedOneInput {

    public static final OutputTag<ModelVersion> VERSIONS = new OutputTag<>("model-versions") {};
    private static final String STATE = "run-trainer";

    private final Configuration jobConfig;
    private transient Map<String, RunSettings> runs;
    private transient Map<String, RunTrainer> live;
    private transient Set<String> dirty;
    private transient ValueState<byte[]> state;
    private transient HeldOutSet eval;
    private transient Path outputDir;

    public TrainerOperator(Configuration jobConfig) {
        this.jobConfig = jobConfig;
    }

    @Override
    public void open() throws Exception {
        super.open();
        CpuBackend.configure();
        runs = new HashMap<>();
        for (RunSettings r : JobConfig.runs(jobConfig)) {
            runs.put(r.id(), r);
        }
        live = new HashMap<>();
        dirty = new LinkedHashSet<>();
        state =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        STATE,
                                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        eval = HeldOut.load(jobConfig);
        outputDir = Path.of(jobConfig.get(PruneOptions.OUTPUT_DIR));
    }

    @Override
    public void processElement(StreamRecord<ScheduledBatch> element) throws Exception {
        ScheduledBatch b = element.getValue();
        RunTrainer run = runFor(b.batch.runId);
        TrainingEvent event =
                run.step(b.batch, ScheduleState.fromBytes(b.schedule), eval, outputDir, this::emit);
        dirty.add(b.batch.runId);
        output.collect(new StreamRecord<>(event));
    }

    private RunTrainer runFor(String runId) throws Exception {
        RunTrainer run = live.get(runId);
        if (run == null) {
            RunSettings settings = runs.get(runId);
            if (settings == null) {
                throw new IllegalStateException("no settings for run '" + runId + "'");
            }
            byte[] saved = state.value();
            run = saved == null ? RunTrainer.create(settings) : RunTrainer.restore(settings, saved);
            live.put(runId, run);
        }
        return run;
    }

    private void emit(ModelVersion v) {
        output.collect(VERSIONS, new StreamRecord<>(v));
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        for (String runId : dirty) {
            setCurrentKey(runId);
            state.update(live.get(runId).snapshot());
        }
        dirty.clear();
        super.snapshotState(context);
    }

    @Override
    public void endInput() throws Exception {
        List<String> keys;
        try (var stream =
                getKeyedStateBackend().<VoidNamespace>getKeys(STATE, VoidNamespace.INSTANCE)) {
            keys = stream.map(Object::toString).toList();
        }
        Set<String> all = new LinkedHashSet<>(live.keySet());
        all.addAll(keys);
        for (String runId : all) {
            setCurrentKey(runId);
            emit(runFor(runId).publish(eval, outputDir, true));
        }
    }
}
