package io.prunestream.core.run;

import io.prunestream.core.state.Codec;
import io.prunestream.core.train.HeldOutWindow;
import io.prunestream.core.train.PrequentialScore;
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
 * @param baseAccuracy last accuracy during TRAIN, or an imported network's before its first step;
 *     NaN if none
 * @param publishedIteration iteration of the last published version, -1 if none
 * @param trainer the trainer's state
 * @param guard the numeric guard's counters
 * @param incarnation the run's identity from the moment it was created from scratch, kept across
 *     restores (its versions carry it, so a version is told from another with the same number);
 *     {@link #UNKNOWN_INCARNATION} for state written before incarnations existed
 * @param window the held-out samples kept from the stream, null where the run evaluates on a fixed
 *     set
 * @param prequential the prequential scores, null where the run scores none
 * @param cycles a continuous run's cycles, null for a run that prunes once
 */
public record RunState(
        int nextVersion,
        double lastAccuracy,
        double accuracyBeforePrune,
        double baseAccuracy,
        long publishedIteration,
        TrainerState trainer,
        Guard guard,
        String incarnation,
        HeldOutWindow window,
        PrequentialScore prequential,
        CycleState cycles) {

    /** The state of a run that prunes once, evaluates on a fixed set and scores no batches. */
    public RunState(
            int nextVersion,
            double lastAccuracy,
            double accuracyBeforePrune,
            double baseAccuracy,
            long publishedIteration,
            TrainerState trainer,
            Guard guard,
            String incarnation) {
        this(
                nextVersion,
                lastAccuracy,
                accuracyBeforePrune,
                baseAccuracy,
                publishedIteration,
                trainer,
                guard,
                incarnation,
                null,
                null,
                null);
    }

    /** The incarnation of a run restored from state of format 1 or 2, which kept none. */
    public static final String UNKNOWN_INCARNATION = "";

    /**
     * The numeric guard's state.
     *
     * @param badInARow consecutive rolled-back steps
     * @param lrScale the learning-rate multiplier the responses have reached
     * @param paused whether the run has paused
     * @param rollbacks rolled-back steps so far
     */
    public record Guard(int badInARow, double lrScale, boolean paused, long rollbacks) {
        public static final Guard INITIAL = new Guard(0, 1.0, false, 0);
    }

    /**
     * Binary layout: version 1 (the first release) holds the counters and the trainer; version 2
     * adds the guard; version 3 the incarnation; version 4 the held-out window, the prequential
     * scores and the cycle state (each with its own codec, a false flag for none).
     */
    public static final Codec<RunState> CODEC =
            Codec.of("run state", 4, 1, RunState::write, RunState::read);

    private static void write(RunState s, DataOutput out) throws IOException {
        out.writeInt(s.nextVersion);
        out.writeDouble(s.lastAccuracy);
        out.writeDouble(s.accuracyBeforePrune);
        out.writeDouble(s.baseAccuracy);
        out.writeLong(s.publishedIteration);
        TrainerState.writeBlob(out, s.trainer);
        out.writeInt(s.guard.badInARow());
        out.writeDouble(s.guard.lrScale());
        out.writeBoolean(s.guard.paused());
        out.writeLong(s.guard.rollbacks());
        out.writeUTF(s.incarnation);
        Codec.writeNullable(out, HeldOutWindow.CODEC, s.window);
        Codec.writeNullable(out, PrequentialScore.CODEC, s.prequential);
        Codec.writeNullable(out, CycleState.CODEC, s.cycles);
    }

    private static RunState read(DataInput in, int version) throws IOException {
        int next = in.readInt();
        double last = in.readDouble();
        double before = in.readDouble();
        double base = in.readDouble();
        long published = in.readLong();
        TrainerState trainer = TrainerState.readBlob(in);
        Guard guard =
                version < 2
                        ? Guard.INITIAL
                        : new Guard(in.readInt(), in.readDouble(), in.readBoolean(), in.readLong());
        String incarnation = version < 3 ? UNKNOWN_INCARNATION : in.readUTF();
        if (version < 4) {
            return new RunState(next, last, before, base, published, trainer, guard, incarnation);
        }
        return new RunState(
                next,
                last,
                before,
                base,
                published,
                trainer,
                guard,
                incarnation,
                Codec.readNullable(in, HeldOutWindow.CODEC),
                Codec.readNullable(in, PrequentialScore.CODEC),
                Codec.readNullable(in, CycleState.CODEC));
    }
}
