package io.prunestream.job.model;

import io.prunestream.core.state.Codec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Labelled samples for one run: features as floats in [0, 1] (or as sent), c-order per sample, and
 * the routing key the run's records are keyed by ({@code key}, see {@code RunPlacement}); {@code
 * heldOut} samples (eval.source stream) are for the run's evaluation window, never for a step. A
 * POJO so Flink serialises it between tasks without Kryo; in state (only training samples wait
 * there) it is written with {@link #CODEC}.
 */
public class Samples {
    public String runId;
    public String key;
    public int count;
    public float[] features;
    public int[] labels;
    public boolean heldOut;

    public Samples() {}

    public Samples(String runId, String key, int count, float[] features, int[] labels) {
        this.runId = runId;
        this.key = key;
        this.count = count;
        this.features = features;
        this.labels = labels;
    }

    /** Held-out samples for a run's evaluation window. */
    public static Samples heldOut(
            String runId, String key, int count, float[] features, int[] labels) {
        Samples s = new Samples(runId, key, count, features, labels);
        s.heldOut = true;
        return s;
    }

    public int sampleSize() {
        return count == 0 ? 0 : features.length / count;
    }

    /** Binary layout, version 1: run id, routing key, count, features, labels. */
    public static final Codec<Samples> CODEC =
            Codec.of("pending samples", 1, 1, Samples::write, Samples::read);

    private static void write(Samples s, DataOutput out) throws IOException {
        out.writeUTF(s.runId);
        out.writeUTF(s.key);
        out.writeInt(s.count);
        ByteBuffer f = ByteBuffer.allocate(4 * s.features.length);
        f.asFloatBuffer().put(s.features);
        Codec.writeBlob(out, f.array());
        ByteBuffer l = ByteBuffer.allocate(4 * s.labels.length);
        l.asIntBuffer().put(s.labels);
        Codec.writeBlob(out, l.array());
    }

    private static Samples read(DataInput in, int version) throws IOException {
        String run = in.readUTF();
        String key = in.readUTF();
        int count = in.readInt();
        ByteBuffer f = ByteBuffer.wrap(Codec.readBlob(in));
        float[] features = new float[f.remaining() / 4];
        f.asFloatBuffer().get(features);
        ByteBuffer l = ByteBuffer.wrap(Codec.readBlob(in));
        int[] labels = new int[l.remaining() / 4];
        l.asIntBuffer().get(labels);
        return new Samples(run, key, count, features, labels);
    }
}
