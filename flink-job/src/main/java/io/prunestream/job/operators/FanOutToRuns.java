package io.prunestream.job.operators;

import io.prunestream.connectors.kafka.HoldOut;
import io.prunestream.connectors.kafka.IngestedRecord;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.job.model.Features;
import io.prunestream.job.model.Samples;
import io.prunestream.job.state.StateSerializers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every accepted batch to every run (one stream, several runs side by side) as the features
 * the models see (normalised as configured), each copy carrying its run's routing key. With a
 * {@link HoldOut} (eval.source stream) the samples it picks by their place in the topic go to every
 * run as held-out samples instead, for its evaluation window: never trained on, the same ones on
 * every restart. The placement (run → routing key) is this operator's state, so a run keeps its
 * key, and with it its keyed state, whatever runs are added or removed on a restore.
 *
 * <p>Every subtask needs the whole placement after a restore, at any parallelism. Union list state
 * would give it, but Flink refuses a checkpoint of an operator with union state once some of its
 * subtasks have finished, and this one finishes with its source subtask (a bounded job, or a
 * subtask with no partition). So each subtask keeps max-parallelism copies of the placement in
 * plain list state: redistributed round-robin, they give every subtask of a restored job at least
 * one copy.
 */
public class FanOutToRuns extends RichFlatMapFunction<IngestedRecord, Samples>
        implements CheckpointedFunction {
    private static final Logger LOG = LoggerFactory.getLogger(FanOutToRuns.class);

    private final List<String> runIds;
    private final int maxParallelism;
    private final Features features;
    private final HoldOut holdOut;
    private transient ListState<RunPlacement.Keys> placementState;
    private transient RunPlacement placement;
    private transient String[] keys;

    /**
     * {@code maxParallelism}: the keyed operators', which decides the key groups; {@code features}:
     * how a record's values become what every run trains on.
     */
    public FanOutToRuns(List<String> runIds, int maxParallelism, Features features) {
        this(runIds, maxParallelism, features, null);
    }

    /** As above; {@code holdOut} (null for none) picks the samples held out for evaluation. */
    public FanOutToRuns(
            List<String> runIds, int maxParallelism, Features features, HoldOut holdOut) {
        this.runIds = List.copyOf(runIds);
        this.maxParallelism = maxParallelism;
        this.features = features;
        this.holdOut = holdOut;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        placementState =
                context.getOperatorStateStore()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "run-placement", StateSerializers.PLACEMENT));
        Map<String, String> restored = new TreeMap<>();
        for (RunPlacement.Keys copy : placementState.get()) {
            restored.putAll(copy.keyOfRun());
        }
        int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        boolean report = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
        if (context.isRestored() && restored.isEmpty()) {
            // a checkpoint of a build that kept no placement: its keys were the plan of the runs
            placement = RunPlacement.plan(runIds, parallelism, maxParallelism);
            if (report) {
                LOG.warn(
                        "the restored checkpoint holds no run placement (an older build): runs"
                                + " keyed as that build did for prune.runs {}; add or remove runs"
                                + " only after a checkpoint of this build",
                        runIds);
            }
        } else {
            placement = RunPlacement.extend(restored, runIds, parallelism, maxParallelism);
            if (report && context.isRestored()) {
                reportChanges(restored);
            }
        }
        keys = runIds.stream().map(placement::keyOf).toArray(String[]::new);
    }

    private void reportChanges(Map<String, String> restored) {
        for (String id : runIds) {
            if (!restored.containsKey(id)) {
                LOG.info(
                        "run '{}' is new: the restored checkpoint has runs {}; it starts from"
                                + " scratch",
                        id,
                        restored.keySet());
            }
        }
        List<String> idle = new ArrayList<>(restored.keySet());
        idle.removeAll(runIds);
        if (!idle.isEmpty()) {
            LOG.info(
                    "runs {} are in the restored checkpoint but not in prune.runs: not trained;"
                            + " their state is kept, add them back to continue them",
                    idle);
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        placementState.update(Collections.nCopies(maxParallelism, placement.snapshot()));
    }

    @Override
    public void flatMap(IngestedRecord r, Collector<Samples> out) {
        SampleBatch b = r.batch();
        float[] x = features.of(b);
        boolean[] held = holdOut == null ? new boolean[b.count()] : holdOut.of(r);
        int n = 0;
        for (boolean h : held) {
            n += h ? 1 : 0;
        }
        if (n == 0) {
            for (int i = 0; i < keys.length; i++) {
                out.collect(new Samples(runIds.get(i), keys[i], b.count(), x, b.labels()));
            }
            return;
        }
        int per = b.sampleSize();
        int[] labels = b.labels();
        float[] xt = new float[(b.count() - n) * per];
        int[] yt = new int[b.count() - n];
        float[] xh = new float[n * per];
        int[] yh = new int[n];
        for (int s = 0, t = 0, h = 0; s < b.count(); s++) {
            if (held[s]) {
                System.arraycopy(x, s * per, xh, h * per, per);
                yh[h++] = labels[s];
            } else {
                System.arraycopy(x, s * per, xt, t * per, per);
                yt[t++] = labels[s];
            }
        }
        for (int i = 0; i < keys.length; i++) {
            if (yt.length > 0) {
                out.collect(new Samples(runIds.get(i), keys[i], yt.length, xt, yt));
            }
            out.collect(Samples.heldOut(runIds.get(i), keys[i], n, xh, yh));
        }
    }
}
