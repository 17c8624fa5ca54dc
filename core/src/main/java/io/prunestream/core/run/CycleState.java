package io.prunestream.core.run;

import io.prunestream.core.prune.CyclePick;
import io.prunestream.core.state.Codec;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.store.PruningReport;
import io.prunestream.core.train.TrainerState;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a continuous run's cycles stand: what {@link CycleController} decides from. Part of {@link
 * RunState}, so a restore continues a cycle exactly (its start, its pick, the network to roll back
 * to) and keeps the drift state.
 *
 * @param stage warm-up, inside a cycle, or between cycles
 * @param cycle cycles started so far (the current one's number inside a cycle)
 * @param keptCycle the cycle whose network is the current one outside a cycle (0: no cycle kept)
 * @param cycleStart the current cycle's first iteration
 * @param step the share of remaining groups the next cycle takes (halved after breaches)
 * @param breaches rolled-back cycles in a row
 * @param reference the reference accuracy (NaN until measured after the warm-up)
 * @param drift whether cycles are paused because the data moved
 * @param streak evaluations in a row that point the other way: more than the budget below the last
 *     published level while not drifting, within it while drifting
 * @param stopped why no further cycle starts (empty while cycles go on)
 * @param pick the current cycle's units to remove per group (empty outside a cycle)
 * @param rollback the trainer as it was before the current cycle, null outside a cycle
 * @param published the lineage of the last published version, null before the first
 */
public record CycleState(
        Stage stage,
        int cycle,
        int keptCycle,
        long cycleStart,
        double step,
        int breaches,
        double reference,
        boolean drift,
        int streak,
        String stopped,
        CyclePick pick,
        TrainerState rollback,
        PruningReport.Lineage published) {

    /** Where the run is in its cycles. */
    public enum Stage {
        /** Plain training before the reference accuracy is measured. */
        WARMUP,
        /** A cycle's penalty, prune and fine-tuning. */
        CYCLE,
        /** Between cycles: paused by drift, stopped, or at a target; the network fine-tunes on. */
        IDLE
    }

    static final CyclePick NO_PICK = new CyclePick(Map.of(), Map.of());

    /** A run's cycles before its first step. */
    public static CycleState initial(double step) {
        return new CycleState(
                Stage.WARMUP, 0, 0, -1, step, 0, Double.NaN, false, 0, "", NO_PICK, null, null);
    }

    CycleState with(Stage s) {
        return edit().stage(s).done();
    }

    /** A copy to change a few fields of (the others stay as they are). */
    Edit edit() {
        return new Edit(this);
    }

    /** The fields of a state being changed. */
    static final class Edit {
        private Stage stage;
        private int cycle;
        private int keptCycle;
        private long cycleStart;
        private double step;
        private int breaches;
        private double reference;
        private boolean drift;
        private int streak;
        private String stopped;
        private CyclePick pick;
        private TrainerState rollback;
        private PruningReport.Lineage published;

        private Edit(CycleState s) {
            stage = s.stage;
            cycle = s.cycle;
            keptCycle = s.keptCycle;
            cycleStart = s.cycleStart;
            step = s.step;
            breaches = s.breaches;
            reference = s.reference;
            drift = s.drift;
            streak = s.streak;
            stopped = s.stopped;
            pick = s.pick;
            rollback = s.rollback;
            published = s.published;
        }

        Edit stage(Stage v) {
            stage = v;
            return this;
        }

        Edit cycle(int v) {
            cycle = v;
            return this;
        }

        Edit keptCycle(int v) {
            keptCycle = v;
            return this;
        }

        Edit cycleStart(long v) {
            cycleStart = v;
            return this;
        }

        Edit step(double v) {
            step = v;
            return this;
        }

        Edit breaches(int v) {
            breaches = v;
            return this;
        }

        Edit reference(double v) {
            reference = v;
            return this;
        }

        Edit drift(boolean v, int streakNow) {
            drift = v;
            streak = streakNow;
            return this;
        }

        Edit stopped(String v) {
            stopped = v;
            return this;
        }

        /** The cycle's pick and the trainer to roll back to (none: outside a cycle). */
        Edit cycle(CyclePick p, TrainerState before) {
            pick = p;
            rollback = before;
            return this;
        }

        Edit published(PruningReport.Lineage v) {
            published = v;
            return this;
        }

        CycleState done() {
            return new CycleState(
                    stage,
                    cycle,
                    keptCycle,
                    cycleStart,
                    step,
                    breaches,
                    reference,
                    drift,
                    streak,
                    stopped,
                    pick,
                    rollback,
                    published);
        }
    }

    /**
     * Binary layout, version 1: stage ordinal, cycle, kept cycle, cycle start, step, breaches,
     * reference, drift, streak, stopped; the pick (groups, then each label, units removed, width);
     * the rollback trainer state (a blob, -1 for none); the last lineage as JSON (a blob, -1 for
     * none).
     */
    public static final Codec<CycleState> CODEC =
            Codec.of("cycle state", 1, 1, CycleState::write, CycleState::read);

    private static void write(CycleState s, DataOutput out) throws IOException {
        out.writeByte(s.stage.ordinal());
        out.writeInt(s.cycle);
        out.writeInt(s.keptCycle);
        out.writeLong(s.cycleStart);
        out.writeDouble(s.step);
        out.writeInt(s.breaches);
        out.writeDouble(s.reference);
        out.writeBoolean(s.drift);
        out.writeInt(s.streak);
        out.writeUTF(s.stopped);
        out.writeInt(s.pick.remove().size());
        for (String label : new java.util.TreeSet<>(s.pick.remove().keySet())) {
            out.writeUTF(label);
            out.writeInt(s.pick.remove().get(label));
            out.writeInt(s.pick.width().get(label));
        }
        Codec.writeBlob(out, s.rollback == null ? null : TrainerState.CODEC.toBytes(s.rollback));
        Codec.writeBlob(out, s.published == null ? null : ModelStore.toJson(s.published));
    }

    private static CycleState read(DataInput in, int version) throws IOException {
        Stage stage = Stage.values()[in.readByte()];
        int cycle = in.readInt();
        int kept = in.readInt();
        long start = in.readLong();
        double step = in.readDouble();
        int breaches = in.readInt();
        double reference = in.readDouble();
        boolean drift = in.readBoolean();
        int streak = in.readInt();
        String stopped = in.readUTF();
        Map<String, Integer> remove = new LinkedHashMap<>();
        Map<String, Integer> width = new LinkedHashMap<>();
        for (int n = in.readInt(); n > 0; n--) {
            String label = in.readUTF();
            remove.put(label, in.readInt());
            width.put(label, in.readInt());
        }
        byte[] rollback = Codec.readBlob(in);
        byte[] published = Codec.readBlob(in);
        return new CycleState(
                stage,
                cycle,
                kept,
                start,
                step,
                breaches,
                reference,
                drift,
                streak,
                stopped,
                new CyclePick(remove, width),
                rollback == null ? null : TrainerState.CODEC.fromBytes(rollback),
                published == null
                        ? null
                        : ModelStore.fromJson(published, PruningReport.Lineage.class));
    }
}
