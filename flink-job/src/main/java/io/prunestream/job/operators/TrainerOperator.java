package io.prunestream.job.operators;

import io.prunestream.connectors.kafka.ConnectorTypes;
import io.prunestream.connectors.kafka.DeadLetter;
import io.prunestream.connectors.record.RejectReason;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.SampleBatchCodec;
import io.prunestream.core.nn.BackendInfo;
import io.prunestream.core.nn.CpuBackend;
import io.prunestream.core.run.PruningRun;
import io.prunestream.core.run.Publication;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.run.RunState;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.train.HeldOutSet;
import io.prunestream.job.config.JobSettings;
import io.prunestream.job.model.Samples;
import io.prunestream.job.model.ScheduledBatch;
import io.prunestream.job.state.StateSerializers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adapts core's {@link PruningRun} to keyed state: one run per key, its live network in memory,
 * written to keyed state at every checkpoint for the runs that changed (so a checkpoint taken after
 * mini-batch k holds exactly the state after k). Training events go out; model versions go to a
 * side output.
 */
public class TrainerOperator extends AbstractStreamOperator<TrainingEvent>
        implements OneInputStreamOperator<ScheduledBatch, TrainingEvent>, BoundedOneInput {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerOperator.class);

    /** Model versions with their networks, for the sink that commits them with checkpoints. */
    public static final OutputTag<Publication> PUBLICATIONS =
            new OutputTag<>("model-versions", StateSerializers.PUBLICATION);

    /**
     * Mini-batches whose step was rolled back or that a paused run skipped, for the dead letters.
     */
    public static final OutputTag<DeadLetter> QUARANTINE =
            new OutputTag<>("quarantine", ConnectorTypes.DEAD_LETTER);

    private static final String STATE = "run";
    private static final String LEGACY_STATE = "run-trainer";

    private final JobSettings settings;
    private transient Map<String, PruningRun> live;
    private transient Map<String, String> keyOfRun;
    private transient Set<String> dirty;
    private transient ValueState<RunState> state;
    private transient ValueState<byte[]> legacy;
    private transient boolean restored;
    private transient HeldOutSet eval;
    private transient Path outputDir;
    private transient volatile double lastPauseMs;

    public TrainerOperator(JobSettings settings) {
        this.settings = settings;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        restored = context.isRestored();
    }

    @Override
    public void open() throws Exception {
        super.open();
        CpuBackend.configure();
        BackendInfo backend = BackendInfo.current();
        LOG.info("trainer backend: {}", backend.describe());
        backend.requireSupportedGpus(); // a GPU the CUDA build has no kernels for: say so now
        live = new HashMap<>();
        keyOfRun = new HashMap<>();
        dirty = new LinkedHashSet<>();
        state =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>(STATE, StateSerializers.RUN_STATE));
        // state format 1 kept the run as bytes under this name
        legacy =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        LEGACY_STATE,
                                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        eval = HeldOut.load(settings);
        getMetricGroup().gauge("checkpointPauseMs", () -> lastPauseMs);
        outputDir = Path.of(settings.outputDir());
    }

    @Override
    public void processElement(StreamRecord<ScheduledBatch> element) throws Exception {
        ScheduledBatch b = element.getValue();
        PruningRun run = runFor(b.batch.runId);
        if (b.batch.heldOut) {
            run.holdOut(b.batch.features, b.batch.labels, b.batch.count);
            dirty.add(b.batch.runId);
            return;
        }
        PruningRun.Step step =
                b.schedule == null
                        ? run.step(toDataSet(run, b.batch), eval)
                        : run.step(toDataSet(run, b.batch), b.schedule, eval);
        if (step.publication() != null) {
            emit(step.publication());
        }
        TrainingEvent e = step.event();
        if (e.rejected() != null) {
            quarantine(
                    run,
                    b.batch,
                    e,
                    RejectReason.NON_FINITE_STEP,
                    e.rejected() + "; the step was rolled back");
        } else if (e.skipped() != null) {
            quarantine(
                    run,
                    b.batch,
                    e,
                    RejectReason.RUN_PAUSED,
                    "not trained: the run is paused by its numeric guard (see its"
                            + " NON_FINITE_STEP dead letters); to train it again, fix the cause"
                            + " and resume the job with prune.guard.resume-paused: true");
        }
        dirty.add(b.batch.runId);
        output.collect(new StreamRecord<>(step.event()));
    }

    private static org.nd4j.linalg.dataset.DataSet toDataSet(PruningRun run, Samples b) {
        var model = run.settings().spec().model();
        return PruningRun.toDataSet(b.features, b.labels, b.count, model.input(), model.classes());
    }

    private PruningRun runFor(String runId) throws Exception {
        PruningRun run = live.get(runId);
        if (run == null) {
            RunSettings rs = settings.run(runId);
            RunState saved = state.value();
            if (saved == null && legacy.value() != null) {
                saved = RunState.CODEC.fromBytes(legacy.value());
                legacy.clear();
                dirty.add(runId);
            }
            String key = (String) getCurrentKey();
            if (saved == null && restored) {
                // the fan-out keeps every run's key, so this is a run added now, or one that had
                // not trained a full mini-batch when the checkpoint was taken
                LOG.warn(
                        "run '{}' has no state under its routing key '{}' in the restored"
                                + " checkpoint: it starts from scratch",
                        runId,
                        key);
            }
            run =
                    saved == null
                            ? PruningRun.create(rs, outputDir, eval)
                            : PruningRun.restore(rs, saved, outputDir);
            keyOfRun.put(runId, key);
            if (saved == null) {
                LOG.info(startLine(run));
            } else if (rs.continuous()) {
                var c = run.cycleState();
                LOG.info(
                        "run '{}' resumed at iteration {} ({}, cycle {}{}, {} versions so far)",
                        runId,
                        run.iteration(),
                        c.stage(),
                        c.cycle(),
                        c.drift() ? ", paused by drift" : "",
                        saved.nextVersion() - 1);
            } else {
                var s = rs.spec().schedule().at(run.iteration());
                LOG.info(
                        "run '{}' resumed at iteration {} ({}, lambda {} on pruned groups, {}"
                                + " versions so far)",
                        runId,
                        run.iteration(),
                        s.phase(),
                        s.lambdaPruned(),
                        saved.nextVersion() - 1);
            }
            live.put(runId, run);
        }
        return run;
    }

    /**
     * What a new run starts from and what it is fed, in one line: the model, input shape, classes,
     * normalisation and base accuracy.
     */
    private String startLine(PruningRun run) {
        var spec = run.settings().spec();
        var model = spec.model();
        String base;
        if (!Double.isNaN(run.baseAccuracy())) {
            base =
                    String.format(
                            Locale.ROOT,
                            "base accuracy %.2f %% on %d held-out samples (the model as read,"
                                    + " before any step)",
                            100 * run.baseAccuracy(),
                            eval.size());
        } else if (eval == null) {
            base = "base accuracy: none (no held-out set)";
        } else {
            base = "base accuracy: at the end of the warm-up";
        }
        return String.format(
                Locale.ROOT,
                "run '%s' starts from %s: input %s, %d classes, data.normalize %s, warm-up %s"
                        + " iterations; %s",
                run.id(),
                model.describe(),
                model.input(),
                model.classes(),
                settings.normalization(),
                spec.schedule().parameters().getOrDefault("warmup", 0),
                base);
    }

    /** A rolled-back or skipped mini-batch as a dead letter: a float32 record, keyed by the run. */
    private void quarantine(
            PruningRun run, Samples b, TrainingEvent e, RejectReason reason, String what) {
        var input = run.settings().spec().model().input();
        byte[] value =
                SampleBatchCodec.encode(SampleBatch.ofFloat32(input.dims(), b.labels, b.features));
        output.collect(
                QUARANTINE,
                new StreamRecord<>(
                        new DeadLetter(
                                b.runId.getBytes(StandardCharsets.UTF_8),
                                value,
                                settings.kafka().topic(),
                                -1,
                                -1,
                                e.timestampMillis(),
                                reason,
                                "run "
                                        + b.runId
                                        + ", iteration "
                                        + e.iteration()
                                        + ": "
                                        + what
                                        + " (a mini-batch of "
                                        + b.count
                                        + " samples, possibly from several records)")));
    }

    private void emit(Publication p) {
        if (p != null) {
            output.collect(PUBLICATIONS, new StreamRecord<>(p));
        }
    }

    /**
     * Writes the runs that changed to keyed state. This is the pause a checkpoint costs training
     * (serialising each network on the task thread); it is exported as the operator metric {@code
     * checkpointPauseMs}.
     */
    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        long start = System.nanoTime();
        for (String runId : dirty) {
            setCurrentKey(keyOfRun.get(runId));
            state.update(live.get(runId).snapshot());
        }
        dirty.clear();
        lastPauseMs = (System.nanoTime() - start) / 1e6;
        super.snapshotState(context);
    }

    /** Publishes a final version of every configured run this subtask trains. */
    @Override
    public void endInput() throws Exception {
        Set<String> keys = new TreeSet<>(keyOfRun.values());
        keys.addAll(stateKeys());
        for (String key : keys) {
            String runId = RunPlacement.runOfKey(key);
            if (settings.runIds().contains(runId)) { // a run left out of prune.runs stays as is
                setCurrentKey(key);
                emit(runFor(runId).publish(eval, true));
                dirty.add(runId); // a drained savepoint after this must hold the version count
            }
        }
    }

    /** The routing keys this subtask holds run state for (either state format). */
    private Set<String> stateKeys() throws Exception {
        Set<String> keys = new TreeSet<>();
        for (String name : List.of(STATE, LEGACY_STATE)) {
            try (var stream =
                    getKeyedStateBackend().<VoidNamespace>getKeys(name, VoidNamespace.INSTANCE)) {
                stream.forEach(k -> keys.add(k.toString()));
            }
        }
        return keys;
    }
}
