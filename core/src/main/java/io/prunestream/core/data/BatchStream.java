package io.prunestream.core.data;

import java.util.SplittableRandom;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Endless mini-batches over a data set, reshuffled each epoch, addressed by index: batch {@code i}
 * is a pure function of (data, batch size, seed, i). Two readers that ask for the same index get
 * the same samples, whatever else either of them read before, so runs that must see identical
 * batches from some step on can each read their own way to that step. {@link #next()} reads the
 * indices in order.
 *
 * <p>Epoch {@code e} is a permutation of the samples drawn from a generator seeded by (seed, e);
 * batch {@code i} is slice {@code i mod B} of epoch {@code i / B}, {@code B = size / batchSize}
 * (the last partial slice of each permutation is skipped).
 */
public final class BatchStream {
    private final LabelledImages data;
    private final int batchSize;
    private final long seed;
    private final int perEpoch;
    private long cachedEpoch = -1;
    private int[] order;
    private long cursor;

    public BatchStream(LabelledImages data, int batchSize, long seed) {
        if (batchSize < 1 || batchSize > data.size()) {
            throw new IllegalArgumentException(
                    "batch size must be in [1, " + data.size() + "], got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
        this.seed = seed;
        this.perEpoch = data.size() / batchSize;
    }

    /** Full batches per epoch. */
    public int batchesPerEpoch() {
        return perEpoch;
    }

    public int batchSize() {
        return batchSize;
    }

    /** The sample indices of batch {@code i}. */
    public int[] indices(long i) {
        if (i < 0) {
            throw new IllegalArgumentException("batch index must be >= 0, got " + i);
        }
        int[] o = order(i / perEpoch);
        int from = (int) (i % perEpoch) * batchSize;
        int[] idx = new int[batchSize];
        System.arraycopy(o, from, idx, 0, batchSize);
        return idx;
    }

    /** Batch {@code i}: features [n, c, h, w] in [0, 1] and one-hot labels. */
    public DataSet batch(long i) {
        int[] idx = indices(i);
        int per = data.shape().size();
        byte[] pixels = new byte[batchSize * per];
        int[] labels = new int[batchSize];
        for (int k = 0; k < batchSize; k++) {
            System.arraycopy(data.pixels(), idx[k] * per, pixels, k * per, per);
            labels[k] = data.labels()[idx[k]];
        }
        return new LabelledImages(data.name(), data.shape(), data.classes(), pixels, labels)
                .batch(0, batchSize);
    }

    /** The next batch in index order (0, 1, 2, ...). */
    public DataSet next() {
        return batch(cursor++);
    }

    /** The epoch of the batch {@link #next()} returns next. */
    public long epoch() {
        return cursor / perEpoch;
    }

    private int[] order(long epoch) {
        if (epoch != cachedEpoch) {
            int[] o = new int[data.size()];
            for (int k = 0; k < o.length; k++) {
                o[k] = k;
            }
            // one generator per (seed, epoch): any epoch can be drawn without the ones before it
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int k = o.length - 1; k > 0; k--) {
                int j = r.nextInt(k + 1);
                int t = o[k];
                o[k] = o[j];
                o[j] = t;
            }
            order = o;
            cachedEpoch = epoch;
        }
        return order;
    }
}
