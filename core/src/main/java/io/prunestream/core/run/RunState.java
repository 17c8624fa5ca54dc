package io.prunestream.core.run;

import io.prunestream.core.state.Codec;
import io.prunestream.core.train.TrainerState;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * What a {@link PruningRun} needs to continue exactly: the trainer's state and the run loop's own
 * bookkeeping (version counter, accuracies for the version reports).
 *
 * @param nextVersion number of the next model version
 * @param lastAccuracy held-out accuracy at the last evaluation, NaN if none
 * @param accuracyBeforePrune last accuracy before pruning, NaN if none
 * @param baseAccuracy last accuracy during TRAIN, NaN if none
 * @param publishedIteration iteration of the last published version, -1 if none
 * @param trainer the trainer's state
 */
public record RunState(
        int nextVersion,
        double lastAccuracy,
        double accuracyBeforePrune,
        double baseAccuracy,
        long publishedIteration,
        TrainerState trainer) {

    /** Binary layout, version 1 (the layout of the first release's run state). */
    public static final Codec<RunState> CODEC =
            new Codec<>() {
                @Override
                public String name() {
                    return "run state";
                }

                @Override
                public int version() {
                    return 1;
                }

                @Override
                public void write(RunState s, DataOutput out) throws IOException {
                    out.writeInt(s.nextVersion);
                    out.writeDouble(s.lastAccuracy);
                    out.writeDouble(s.accuracyBeforePrune);
                    out.writeDouble(s.baseAccuracy);
                    out.writeLong(s.publishedIteration);
                    Codec.writeBlob(out, TrainerState.CODEC.toBytes(s.trainer));
                }

                @Override
                public RunState read(DataInput in, int version) throws IOException {
                    return new RunState(
                            in.readInt(),
                            in.readDouble(),
                            in.readDouble(),
                            in.readDouble(),
                            in.readLong(),
                            TrainerState.CODEC.fromBytes(Codec.readBlob(in)));
                }
            };
}
