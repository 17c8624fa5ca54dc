package io.prunestream.job.operators;

import io.prunestream.job.model.Samples;
import io.prunestream.job.state.StateSerializers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Cuts each run's sample stream into mini-batches of the run's batch size. The samples of the
 * unfinished batch are keyed state (written with {@link Samples#CODEC}), so a restore resumes
 * mid-batch; when a bounded stream ends, the rest goes out as a last, smaller batch, so every
 * accepted sample is trained on.
 */
public class BatchAssembler extends AbstractStreamOperator<Samples>
        implements OneInputStreamOperator<Samples, Samples>, BoundedOneInput {

    private static final String PENDING = "pending";
    // state format 1 kept the samples as Flink POJOs under these names
    private static final String LEGACY_PENDING = "pending-samples";
    private static final String LEGACY_COUNT = "pending-count";

    private final Map<String, Integer> batchSizes;
    private transient ListState<Samples> pending;
    private transient ListState<Samples> legacyPending;
    private transient ValueState<Integer> legacyCount;

    public BatchAssembler(Map<String, Integer> batchSizes) {
        this.batchSizes = Map.copyOf(batchSizes);
    }

    @Override
    public void open() throws Exception {
        super.open();
        pending =
                getRuntimeContext()
                        .getListState(
                                new ListStateDescriptor<>(
                                        PENDING, StateSerializers.PENDING_SAMPLES));
        legacyPending =
                getRuntimeContext()
                        .getListState(new ListStateDescriptor<>(LEGACY_PENDING, Samples.class));
        legacyCount =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>(LEGACY_COUNT, Integer.class));
    }

    @Override
    public void processElement(StreamRecord<Samples> element) throws Exception {
        Samples s = element.getValue();
        if (s.heldOut) {
            output.collect(element); // for the run's evaluation window, never a step
            return;
        }
        int batch = batchSizes.getOrDefault(s.runId, 0);
        if (batch <= 0) {
            throw new IllegalStateException("no batch size for run '" + s.runId + "'");
        }
        List<Samples> parts = pendingParts();
        int have = parts.stream().mapToInt(p -> p.count).sum();
        if (have + s.count < batch) {
            pending.add(s);
            return;
        }
        parts.add(s);
        Samples all = concat(s.runId, s.key, parts);
        int from = 0;
        while (all.count - from >= batch) {
            output.collect(new StreamRecord<>(slice(all, from, from + batch)));
            from += batch;
        }
        pending.clear();
        if (from < all.count) {
            pending.add(slice(all, from, all.count));
        }
    }

    /** The current key's unfinished batch; state of format 1 is moved to the new state first. */
    private List<Samples> pendingParts() throws Exception {
        List<Samples> parts = new ArrayList<>();
        for (Samples p : legacyPending.get()) {
            p.key = (String) getCurrentKey();
            pending.add(p);
        }
        legacyPending.clear();
        legacyCount.clear();
        for (Samples p : pending.get()) {
            parts.add(p);
        }
        return parts;
    }

    @Override
    public void endInput() throws Exception {
        Set<String> keys = new TreeSet<>(keys(PENDING));
        keys.addAll(keys(LEGACY_PENDING));
        for (String key : keys) {
            setCurrentKey(key);
            List<Samples> parts = pendingParts();
            if (!parts.isEmpty()) {
                Samples rest = concat(parts.get(0).runId, key, parts);
                if (rest.count > 0) {
                    output.collect(new StreamRecord<>(rest));
                }
            }
            pending.clear();
        }
    }

    private List<String> keys(String stateName) throws Exception {
        try (var stream =
                getKeyedStateBackend().<VoidNamespace>getKeys(stateName, VoidNamespace.INSTANCE)) {
            return stream.map(Object::toString).toList();
        }
    }

    static Samples concat(String runId, String key, List<Samples> parts) {
        int count = 0;
        int floats = 0;
        for (Samples p : parts) {
            count += p.count;
            floats += p.features.length;
        }
        float[] f = new float[floats];
        int[] l = new int[count];
        int fo = 0;
        int lo = 0;
        for (Samples p : parts) {
            System.arraycopy(p.features, 0, f, fo, p.features.length);
            System.arraycopy(p.labels, 0, l, lo, p.count);
            fo += p.features.length;
            lo += p.count;
        }
        return new Samples(runId, key, count, f, l);
    }

    static Samples slice(Samples s, int from, int to) {
        int per = s.sampleSize();
        float[] f = new float[(to - from) * per];
        System.arraycopy(s.features, from * per, f, 0, f.length);
        int[] l = new int[to - from];
        System.arraycopy(s.labels, from, l, 0, l.length);
        return new Samples(s.runId, s.key, to - from, f, l);
    }
}
