package io.prunestream.core.schedule;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Where a run's schedule stands at one iteration: the phase, the penalty factors to apply during
 * that iteration's step, and the actions to take before it. Small and versioned, so it can live in
 * stream-processor state.
 *
 * @param iteration the training step this state applies to (0-based)
 * @param phase the phase of that step
 * @param lambdaPruned penalty factor of the pruned (or, before GReg-2's pick, all) groups
 * @param lambdaKept penalty factor of the kept groups
 * @param updates penalty updates applied so far in the current growth stage
 * @param pick choose the pruned groups by L1 of the current weights before this step
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

    /** Version of {@link #toBytes()}; bump it when the layout changes. */
    public static final byte FORMAT_VERSION = 1;

    public boolean penalized() {
        return lambdaPruned != 0 || lambdaKept != 0;
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(48);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT_VERSION);
            out.writeLong(iteration);
            out.writeByte(phase.ordinal());
            out.writeDouble(lambdaPruned);
            out.writeDouble(lambdaKept);
            out.writeLong(updates);
            out.writeBoolean(pick);
            out.writeBoolean(prune);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static ScheduleState fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException(
                        "schedule state has format version "
                                + version
                                + ", this build reads version "
                                + FORMAT_VERSION
                                + ": restore with the build that wrote it");
            }
            return new ScheduleState(
                    in.readLong(),
                    Phase.values()[in.readByte()],
                    in.readDouble(),
                    in.readDouble(),
                    in.readLong(),
                    in.readBoolean(),
                    in.readBoolean());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
