package io.prunestream.core.schedule;

import io.prunestream.core.state.Codec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Where a run's schedule stands at one iteration: the phase, the penalty factors to apply during
 * that iteration's step, and the actions to take before it.
 *
 * @param iteration the training step this state applies to (0-based)
 * @param phase the phase of that step
 * @param lambdaPruned penalty factor of the pruned (or, before GReg-2's pick, all) groups
 * @param lambdaKept penalty factor of the kept groups
 * @param updates penalty updates applied so far in the current growth stage
 * @param pick choose the pruned groups by importance of the current weights before this step
 * @param prune remove (or mask) the pruned groups before this step
 */
public record ScheduleState(
        long iteration,
        Phase phase,
        double lambdaPruned,
        double lambdaKept,
        long updates,
        boolean pick,
        boolean prune) {

    /** Binary layout, version 1: iteration, phase ordinal, both lambdas, updates, pick, prune. */
    public static final Codec<ScheduleState> CODEC =
            Codec.of("schedule state", 1, 1, ScheduleState::write, ScheduleState::read);

    public boolean penalized() {
        return lambdaPruned != 0 || lambdaKept != 0;
    }

    static ScheduleState plain(long t, Phase p) {
        return new ScheduleState(t, p, 0, 0, 0, false, false);
    }

    private static void write(ScheduleState s, DataOutput out) throws IOException {
        out.writeLong(s.iteration);
        out.writeByte(s.phase.ordinal());
        out.writeDouble(s.lambdaPruned);
        out.writeDouble(s.lambdaKept);
        out.writeLong(s.updates);
        out.writeBoolean(s.pick);
        out.writeBoolean(s.prune);
    }

    private static ScheduleState read(DataInput in, int version) throws IOException {
        return new ScheduleState(
                in.readLong(),
                Phase.values()[in.readByte()],
                in.readDouble(),
                in.readDouble(),
                in.readLong(),
                in.readBoolean(),
                in.readBoolean());
    }
}
