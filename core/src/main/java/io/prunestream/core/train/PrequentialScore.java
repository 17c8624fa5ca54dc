package io.prunestream.core.train;

import io.prunestream.core.state.Codec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Prequential (test-then-train) accuracy: each scored mini-batch's correct predictions, made by the
 * model before it trained on the batch, over the newest {@code window} scored samples (whole
 * batches: the oldest batch goes once the rest still hold {@code window} samples).
 */
public final class PrequentialScore {
    private final int window;
    private final Deque<long[]> batches = new ArrayDeque<>(); // {correct, count}
    private long correct;
    private long count;

    public PrequentialScore(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("a prequential window holds at least one sample");
        }
        this.window = window;
    }

    /** Adds one scored batch. */
    public void add(int correctInBatch, int samples) {
        if (samples <= 0) {
            return;
        }
        batches.addLast(new long[] {correctInBatch, samples});
        correct += correctInBatch;
        count += samples;
        while (count - batches.peekFirst()[1] >= window) {
            long[] old = batches.removeFirst();
            correct -= old[0];
            count -= old[1];
        }
    }

    /** A copy that later {@link #add}s leave alone (what a snapshot holds). */
    public PrequentialScore copy() {
        PrequentialScore p = new PrequentialScore(window);
        for (long[] b : batches) {
            p.batches.addLast(b.clone());
        }
        p.correct = correct;
        p.count = count;
        return p;
    }

    /** Correct share of the window's samples; NaN while none was scored. */
    public double accuracy() {
        return count == 0 ? Double.NaN : (double) correct / count;
    }

    /** Scored samples in the window. */
    public long samples() {
        return count;
    }

    public int window() {
        return window;
    }

    /** Binary layout, version 1: window, batches, then each batch's correct and count. */
    public static final Codec<PrequentialScore> CODEC =
            Codec.of("prequential score", 1, 1, PrequentialScore::write, PrequentialScore::read);

    private static void write(PrequentialScore p, DataOutput out) throws IOException {
        out.writeInt(p.window);
        out.writeInt(p.batches.size());
        for (long[] b : p.batches) {
            out.writeInt((int) b[0]);
            out.writeInt((int) b[1]);
        }
    }

    private static PrequentialScore read(DataInput in, int version) throws IOException {
        PrequentialScore p = new PrequentialScore(in.readInt());
        for (int n = in.readInt(); n > 0; n--) {
            p.add(in.readInt(), in.readInt());
        }
        return p;
    }
}
