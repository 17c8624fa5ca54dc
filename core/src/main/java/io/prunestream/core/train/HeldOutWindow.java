package io.prunestream.core.train;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.state.Codec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The newest {@code capacity} held-out samples of a stream: a ring of features and labels that the
 * run evaluates on like a fixed {@link HeldOutSet}. Adding the same samples in the same order gives
 * the same window, so a restored run evaluates what an uninterrupted one would.
 */
public final class HeldOutWindow {
    private final int capacity;
    private final InputShape shape;
    private final float[] features;
    private final int[] labels;
    private int next; // where the next sample goes
    private int size;
    private long added;

    public HeldOutWindow(int capacity, InputShape shape) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a held-out window holds at least one sample");
        }
        this.capacity = capacity;
        this.shape = shape;
        this.features = new float[Math.multiplyExact(capacity, shape.size())];
        this.labels = new int[capacity];
    }

    /** Adds {@code count} samples (c-order features, one label each), dropping the oldest. */
    public void add(float[] x, int[] y, int count) {
        int per = shape.size();
        if (x.length != (long) count * per || y.length < count) {
            throw new IllegalArgumentException(
                    "held-out samples: " + x.length + " values for " + count + " of " + shape);
        }
        for (int i = 0; i < count; i++) {
            System.arraycopy(x, i * per, features, next * per, per);
            labels[next] = y[i];
            next = (next + 1) % capacity;
            size = Math.min(capacity, size + 1);
        }
        added += count;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    /** Whether it holds {@code capacity} samples. */
    public boolean full() {
        return size == capacity;
    }

    /** Samples added since the run started (held-out records seen). */
    public long added() {
        return added;
    }

    /** The samples, oldest first, as a held-out set (a copy); null while empty. */
    public HeldOutSet asSet() {
        if (size == 0) {
            return null;
        }
        int per = shape.size();
        float[] f = new float[size * per];
        int[] l = new int[size];
        int first = size < capacity ? 0 : next;
        for (int i = 0; i < size; i++) {
            int at = (first + i) % capacity;
            System.arraycopy(features, at * per, f, i * per, per);
            l[i] = labels[at];
        }
        return new HeldOutSet(f, l, shape);
    }

    /**
     * A copy that later {@link #add}s leave alone: what a snapshot holds (a state backend may write
     * it after the run has moved on).
     */
    public HeldOutWindow copy() {
        HeldOutWindow w = new HeldOutWindow(capacity, shape);
        System.arraycopy(features, 0, w.features, 0, features.length);
        System.arraycopy(labels, 0, w.labels, 0, labels.length);
        w.next = next;
        w.size = size;
        w.added = added;
        return w;
    }

    /** This window's samples in a window of another capacity (the newest that fit). */
    public HeldOutWindow resized(int newCapacity) {
        if (newCapacity == capacity) {
            return this;
        }
        HeldOutWindow w = new HeldOutWindow(newCapacity, shape);
        HeldOutSet s = asSet();
        if (s != null) {
            int keep = Math.min(newCapacity, s.size());
            int from = s.size() - keep;
            int per = shape.size();
            w.add(
                    Arrays.copyOfRange(s.features(), from * per, s.size() * per),
                    Arrays.copyOfRange(s.labels(), from, s.size()),
                    keep);
        }
        w.added = added;
        return w;
    }

    /**
     * Binary layout, version 1: capacity, the sample shape as text ({@code 1x28x28}), samples added
     * so far, size, then the samples oldest first (features as float32, labels as int32).
     */
    public static final Codec<HeldOutWindow> CODEC =
            Codec.of("held-out window", 1, 1, HeldOutWindow::write, HeldOutWindow::read);

    private static void write(HeldOutWindow w, DataOutput out) throws IOException {
        out.writeInt(w.capacity);
        out.writeUTF(w.shape.toString());
        out.writeLong(w.added);
        out.writeInt(w.size);
        HeldOutSet s = w.asSet();
        if (s != null) {
            ByteBuffer f = ByteBuffer.allocate(4 * s.features().length);
            f.asFloatBuffer().put(s.features());
            out.write(f.array());
            ByteBuffer l = ByteBuffer.allocate(4 * s.size());
            l.asIntBuffer().put(s.labels());
            out.write(l.array());
        }
    }

    private static HeldOutWindow read(DataInput in, int version) throws IOException {
        int capacity = in.readInt();
        HeldOutWindow w = new HeldOutWindow(capacity, InputShape.parse(in.readUTF()));
        long added = in.readLong();
        int size = in.readInt();
        if (size > 0) {
            byte[] f = new byte[4 * size * w.shape.size()];
            in.readFully(f);
            float[] x = new float[size * w.shape.size()];
            ByteBuffer.wrap(f).asFloatBuffer().get(x);
            byte[] l = new byte[4 * size];
            in.readFully(l);
            int[] y = new int[size];
            ByteBuffer.wrap(l).asIntBuffer().get(y);
            w.add(x, y, size);
        }
        w.added = added;
        return w;
    }
}
